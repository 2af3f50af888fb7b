// The HTML report (html_report.h): the page template, the chart library and the page's script
// are embedded at build time (report_assets.cc, generated from report/web); the data is one
// JSON object in a <script type="application/json"> element.

#include "report/html_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace report {

namespace internal {
extern const unsigned char kUplotJs[];
extern const std::size_t kUplotJsSize;
extern const unsigned char kUplotCss[];
extern const std::size_t kUplotCssSize;
extern const unsigned char kPageHtml[];
extern const std::size_t kPageHtmlSize;
extern const unsigned char kReportJs[];
extern const std::size_t kReportJsSize;
extern const unsigned char kReportCss[];
extern const std::size_t kReportCssSize;
}  // namespace internal

namespace {

std::string_view Asset(const unsigned char* bytes, std::size_t size) {
  return {reinterpret_cast<const char*>(bytes), size};
}

// `page` with each marker (found in `page` itself, never in what replaces another) replaced.
std::string Fill(std::string_view page,
                 std::vector<std::pair<std::string_view, std::string_view>> fills) {
  std::vector<std::pair<size_t, size_t>> at;  // (offset in page, index in fills)
  for (size_t i = 0; i < fills.size(); ++i) {
    const size_t offset = page.find(fills[i].first);
    if (offset != std::string_view::npos) at.emplace_back(offset, i);
  }
  std::sort(at.begin(), at.end());
  std::string out;
  size_t copied = 0;
  for (const auto& [offset, index] : at) {
    out.append(page.substr(copied, offset - copied));
    out.append(fills[index].second);
    copied = offset + fills[index].first.size();
  }
  out.append(page.substr(copied));
  return out;
}

// Text for an HTML element's content.
std::string EscapeHtml(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// JSON that can sit inside a <script> element: "</" never appears in it ("<\/" is the same
// JSON string), nor do U+2028/2029 matter to a JSON parser.
std::string ScriptJson(const nlohmann::json& json) {
  std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// One history's buckets merged `k` minutes to a point, starting at `origin`.
nlohmann::json Merge(const nlohmann::json& minutes, int64_t origin, int64_t k) {
  nlohmann::json merged = nlohmann::json::array();
  for (const nlohmann::json& bucket : minutes) {
    const int64_t minute = origin + FloorDiv(bucket["minute"].get<int64_t>() - origin, k) * k;
    if (merged.empty() || merged.back()["minute"].get<int64_t>() != minute) {
      nlohmann::json start = bucket;
      start["minute"] = minute;
      merged.push_back(std::move(start));
      continue;
    }
    nlohmann::json& into = merged.back();
    for (const char* key :
         {"liquidations", "adl_reductions", "liquidated_notional", "adl_notional"}) {
      into[key] = into[key].get<int64_t>() + bucket[key].get<int64_t>();
    }
    into["fund_low"] = std::min(into["fund_low"].get<int64_t>(), bucket["fund_low"].get<int64_t>());
    into["fund_end"] = bucket["fund_end"];
    into["mark_last"] = bucket["mark_last"];
  }
  return merged;
}

}  // namespace

void Downsample(nlohmann::json* whatif) {
  nlohmann::json& logged = (*whatif)["logged"]["minutes"];
  nlohmann::json& what_if = (*whatif)["what_if"]["minutes"];
  int64_t first = 0;
  int64_t last = 0;
  bool any = false;
  for (const nlohmann::json* series : {&logged, &what_if}) {
    if (!series->is_array() || series->empty()) continue;
    const int64_t a = series->front()["minute"].get<int64_t>();
    const int64_t b = series->back()["minute"].get<int64_t>();
    first = any ? std::min(first, a) : a;
    last = any ? std::max(last, b) : b;
    any = true;
  }
  const int64_t span = any ? last - first + 1 : 1;
  const int64_t k = std::max<int64_t>(1, (span + kMaxChartPoints - 1) / kMaxChartPoints);
  (*whatif)["minutes_per_point"] = k;
  if (k == 1) return;
  if (logged.is_array()) logged = Merge(logged, first, k);
  if (what_if.is_array()) what_if = Merge(what_if, first, k);
}

std::string RenderReport(ReportPage page) {
  Downsample(&page.whatif);
  const nlohmann::json data = {{"title", page.title},
                               {"subtitle", page.subtitle},
                               {"whatif", page.whatif},
                               {"adl_event", page.adl_event}};
  const std::string title = EscapeHtml(page.title);
  const std::string json = ScriptJson(data);
  const std::string html =
      Fill(Asset(internal::kPageHtml, internal::kPageHtmlSize),
           {{"@TITLE@", title},
            {"/*@UPLOT_CSS@*/", Asset(internal::kUplotCss, internal::kUplotCssSize)},
            {"/*@REPORT_CSS@*/", Asset(internal::kReportCss, internal::kReportCssSize)},
            {"/*@UPLOT_JS@*/", Asset(internal::kUplotJs, internal::kUplotJsSize)},
            {"@DATA@", json},
            {"/*@REPORT_JS@*/", Asset(internal::kReportJs, internal::kReportJsSize)}});
  return html;
}

base::Status WriteReport(const std::string& path, ReportPage page) {
  const std::string html = RenderReport(std::move(page));
  const std::string partial = path + ".partial";
  {
    std::ofstream out(partial, std::ios::binary | std::ios::trunc);
    out.write(html.data(), static_cast<std::streamsize>(html.size()));
    out.close();
    if (!out) return base::Status::IOError("report", fmt::format("cannot write {}", partial));
  }
  std::error_code error;
  std::filesystem::rename(partial, path, error);
  if (error) {
    std::filesystem::remove(partial, error);
    return base::Status::IOError("report", fmt::format("cannot write {}", path));
  }
  return base::Status::OK();
}

}  // namespace report
