#pragma once
// A small time chart drawn as inline SVG: points (and a line through each series) over a time axis,
// with the y axis in the series' unit. No script, no fonts or files from elsewhere: a page that holds it
// shows it offline, prints, and reads the same in any browser. Each point carries a <title> (shown on
// hover) saying what it is.
#include <ctime>
#include <string>
#include <vector>

namespace pgproof::repository {

struct ChartPoint {
    std::time_t at = 0;
    double value = 0;
    std::string label;  // the hover text
    bool failed = false;  // drawn as a hollow red point
};

struct ChartSeries {
    std::string name;
    std::string color;  // CSS colour
    std::vector<ChartPoint> points;
};

enum class ChartUnit { Seconds, Bytes };

// An <svg> element (class "chart", data-points = the number of points) with a title line; a chart with
// no points says so in text instead.
std::string renderTimeChart(const std::string& title, ChartUnit unit, const std::vector<ChartSeries>& series);

// Text escaped for HTML element content and attribute values.
std::string htmlEscape(const std::string& text);

}  // namespace pgproof::repository
