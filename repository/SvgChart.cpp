#include "SvgChart.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "UtcTime.hpp"

namespace pgproof::repository {

std::string htmlEscape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

namespace {

std::string valueText(double v, ChartUnit unit) {
    if (unit == ChartUnit::Seconds)
        return v >= 120 ? fmt::format("{:.1f} min", v / 60) : v >= 10 || v == 0 ? fmt::format("{:.1f} s", v) : fmt::format("{:.2f} s", v);
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        ++i;
    }
    return fmt::format("{:.1f} {}", v, units[i]);
}

std::string dayText(std::time_t t) { return formatUtc(t).substr(0, 10); }

}  // namespace

std::string renderTimeChart(const std::string& title, ChartUnit unit, const std::vector<ChartSeries>& series) {
    size_t count = 0;
    std::time_t t0 = 0, t1 = 0;
    double top = 0;
    for (const auto& s : series)
        for (const auto& p : s.points) {
            if (count++ == 0) t0 = t1 = p.at;
            t0 = std::min(t0, p.at);
            t1 = std::max(t1, p.at);
            top = std::max(top, p.value);
        }
    std::string head = "<figure class=\"chart-box\"><figcaption>" + htmlEscape(title) + "</figcaption>";
    if (count == 0) return head + "<p class=\"empty\">nothing recorded yet</p></figure>";
    const double w = 640, h = 200, left = 70, right = 10, topPad = 10, bottom = 30;
    if (top <= 0) top = 1;
    top *= 1.1;
    const double span = t1 > t0 ? static_cast<double>(t1 - t0) : 1;
    auto x = [&](std::time_t t) { return t1 > t0 ? left + (w - left - right) * static_cast<double>(t - t0) / span : (left + w - right) / 2; };
    auto y = [&](double v) { return topPad + (h - topPad - bottom) * (1 - v / top); };
    std::string svg = fmt::format("<svg class=\"chart\" data-points=\"{}\" viewBox=\"0 0 {} {}\" width=\"{}\" height=\"{}\" role=\"img\" "
                                  "aria-label=\"{}\">",
                                  count, w, h, w, h, htmlEscape(title));
    // Axes, three value ticks, the first and last day.
    svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{0}\" y2=\"{2}\" class=\"axis\"/><line x1=\"{0}\" y1=\"{2}\" x2=\"{3}\" y2=\"{2}\" class=\"axis\"/>",
                       left, topPad, h - bottom, w - right);
    for (double f : {0.0, 0.5, 1.0}) {
        double v = top / 1.1 * f;
        svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>", left - 4, y(v) + 4, valueText(v, unit));
    }
    svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\">{}</text>", left, h - 10, dayText(t0));
    if (t1 > t0) svg += fmt::format("<text x=\"{}\" y=\"{}\" class=\"tick\" text-anchor=\"end\">{}</text>", w - right, h - 10, dayText(t1));
    for (const auto& s : series) {
        auto points = s.points;
        std::sort(points.begin(), points.end(), [](const ChartPoint& a, const ChartPoint& b) { return a.at < b.at; });
        if (points.size() > 1) {
            std::string path;
            for (const auto& p : points) path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x(p.at), y(p.value));
            svg += "<path d=\"" + path + "\" fill=\"none\" stroke=\"" + s.color + "\" stroke-width=\"1.5\"/>";
        }
        for (const auto& p : points)
            svg += fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\" stroke=\"{}\" class=\"{}\"><title>{}</title></circle>", x(p.at),
                               y(p.value), p.failed ? "white" : s.color, p.failed ? "#c0392b" : s.color, p.failed ? "point failed" : "point",
                               htmlEscape(s.name + " " + formatUtc(p.at) + ": " + valueText(p.value, unit) + (p.label.empty() ? "" : " (" + p.label + ")")));
    }
    svg += "</svg>";
    std::string legend;
    if (series.size() > 1)
        for (const auto& s : series)
            legend += "<span class=\"key\"><span class=\"swatch\" style=\"background:" + s.color + "\"></span>" + htmlEscape(s.name) + "</span>";
    return head + svg + (legend.empty() ? "" : "<div class=\"legend\">" + legend + "</div>") + "</figure>";
}

}  // namespace pgproof::repository
