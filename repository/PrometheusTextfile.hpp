#pragma once
// A metrics file in Prometheus' text exposition format (version 0.0.4), for node_exporter's textfile
// collector: gauges with HELP and TYPE, labels escaped, written atomically (temporary file in the same
// folder, fsync, rename) so the collector never reads half a file (docs/METRICS.md).
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pgproof::repository {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusTextfile {
public:
    // Adds one sample; samples of one name are written together under one HELP and TYPE (gauge).
    void gauge(const std::string& name, const std::string& help, const Labels& labels, double value);
    std::string render() const;
    // Throws IncompleteError naming the file when it cannot be written.
    void write(const std::filesystem::path& file) const;

    // The value of `name` with exactly `labels` in an existing metrics file, if any (to carry a last
    // success timestamp over a failed run).
    static std::optional<double> readSample(const std::filesystem::path& file, const std::string& name, const Labels& labels);

private:
    struct Family {
        std::string help;
        std::vector<std::pair<Labels, double>> samples;
    };
    std::vector<std::string> order_;
    std::map<std::string, Family> families_;
};

std::string renderLabels(const Labels& labels);

}  // namespace pgproof::repository
