import Foundation
import GDAL

extension RunReport {
    /// The page under construction: sections of HTML, every text escaped where it is written.
    struct Page {
        private(set) var body = ""
        private var tableCount = 0

        /// Columns with a meaning the page knows; any other column is shown as it comes.
        static let textColumns: Set<String> = ["level", "zone_id", "zone_name", "group_id", "group_name", "target_met", "id", "name", "group"]

        mutating func header(_ manifest: RunManifest, title: String) {
            let succeeded = manifest.status == "succeeded"
            var facts: [(String, String)] = [("Finished", display(manifest.finishedAt)), ("Started", display(manifest.startedAt))]
            if let seconds = Self.duration(from: manifest.startedAt, to: manifest.finishedAt) { facts.append(("Duration", Self.time(seconds))) }
            facts.append(("Threads", String(manifest.threads)))
            let software = manifest.software
            facts.append(("soilmap", software.soilmap + (software.commit.map { " (\($0.prefix(12)))" } ?? "")))
            facts += [("GDAL", software.gdal), ("PROJ", software.proj), ("Pipeline", manifest.pipeline),
                      ("Pipeline SHA-256", String(manifest.pipelineSHA256.prefix(16)) + "…")]
            for key in manifest.variables.keys.sorted() { facts.append(("${\(key)}", manifest.variables[key]!)) }
            body += """
            <header class="top"><div class="wrap">
            <p class="brand">soilmap · run report</p>
            <h1>\(title.markupEscaped) <span class="status \(succeeded ? "ok" : "bad")">\(manifest.status.markupEscaped)</span></h1>
            \(manifest.error.map { "<p class=\"error\">\($0.markupEscaped)</p>" } ?? "")
            <dl class="facts">\(facts.map { "<div><dt>\($0.0.markupEscaped)</dt><dd>\($0.1.markupEscaped)</dd></div>" }.joined())</dl>
            </div></header>
            <nav class="wrap"><a href="#maps">Maps</a><a href="#tables">Statistics</a><a href="#steps">Steps</a><a href="#inputs">Inputs</a></nav>
            <main class="wrap">

            """
        }

        mutating func summary(_ manifest: RunManifest, mapCount: Int, tableCount: Int) {
            let computed = manifest.steps.filter { $0.status == "computed" }.count
            let reused = manifest.steps.filter { $0.status == "reused" }.count
            let warnings = manifest.steps.reduce(0) { $0 + $1.warnings.count }
            let cards = [("Steps", "\(manifest.steps.count)", "\(computed) computed · \(reused) reused"),
                         ("Maps", "\(mapCount)", ""), ("Tables", "\(tableCount)", ""),
                         ("Inputs", "\(manifest.inputs.count)", Self.bytes(manifest.inputs.reduce(0) { $0 + $1.size })),
                         ("Warnings", "\(warnings)", warnings == 0 ? "none" : "see the steps")]
            body += "<section class=\"cards\">" + cards.map { title, value, note in
                "<div class=\"card\(title == "Warnings" && warnings > 0 ? " warn" : "")\"><div class=\"label\">\(title)</div><div class=\"value\">\(value)</div><div class=\"note\">\(note.markupEscaped)</div></div>"
            }.joined() + "</section>\n"
        }

        mutating func maps(_ maps: [ClassMap], others: [PlainMap]) {
            body += "<section id=\"maps\"><h2>Maps</h2>\n"
            if maps.isEmpty && others.isEmpty { body += "<p class=\"muted\">This run wrote no maps.</p>\n" }
            for map in maps {
                let legend = map.legend.map { entry in
                    "<li><span class=\"swatch\" style=\"background:\(QGISStyle.hexColour(entry.color))\"></span><span class=\"code\">\(entry.value)</span> \((entry.label.isEmpty ? String(entry.value) : entry.label).markupEscaped)</li>"
                }.joined()
                body += """
                <article class="map"><h3>\(map.title.markupEscaped)</h3>
                <p class="meta"><a href="\(map.path.markupEscaped)">\(map.path.markupEscaped)</a> · step \(map.step.markupEscaped) · \(map.facts.markupEscaped)</p>
                <div class="map-body"><img alt="\(("Map: " + map.title).markupEscaped)" src="data:image/png;base64,\(map.picture.base64EncodedString())">
                <div class="legend"><h4>Legend</h4><ul>\(legend)</ul></div></div></article>

                """
            }
            if !others.isEmpty {
                body += "<h3>Other maps</h3><ul class=\"plain\">" + others.map {
                    "<li><a href=\"\($0.path.markupEscaped)\">\($0.path.markupEscaped)</a> <span class=\"muted\">· step \($0.step.markupEscaped) · \($0.facts.markupEscaped)</span></li>"
                }.joined() + "</ul>\n"
            }
            body += "</section>\n"
        }

        mutating func tables(_ tables: [Table]) {
            body += "<section id=\"tables\"><h2>Statistics</h2>\n"
            if tables.isEmpty { body += "<p class=\"muted\">This run wrote no statistics tables.</p>\n" }
            for table in tables {
                let level = table.columns.firstIndex(of: "level")
                let zones = level.map { index in table.rows.filter { $0[index] != "group" && $0[index] != "total" } } ?? table.rows
                let rollUps = level.map { index in table.rows.filter { $0[index] == "group" || $0[index] == "total" } } ?? []
                let named = Self.namingUngrouped(rollUps, columns: table.columns)
                body += "<article class=\"table\"><h3><a href=\"\(table.path.markupEscaped)\">\(table.path.markupEscaped)</a></h3>"
                body += "<p class=\"meta\">step \(table.step.markupEscaped) · \(zones.count) zones"
                    + (rollUps.isEmpty ? "" : " · \(rollUps.count) roll-up rows") + " · \(table.columns.count) columns</p>\n"
                targetCheck(table, zones: zones, rollUps: named)
                if !rollUps.isEmpty {
                    body += "<h4>Roll-ups: groups and total</h4>\n"
                    grid(columns: table.columns, rows: named, dropping: [], filter: rollUps.count > 10, classes: table.classes)
                }
                body += "<h4>Zones</h4>\n"
                grid(columns: table.columns, rows: zones, dropping: level == nil ? [] : ["level"], filter: true, classes: table.classes)
                body += "</article>\n"
            }
            body += "</section>\n"
        }

        /// The group row of the zones that have no group has neither id nor name: it is named so.
        static func namingUngrouped(_ rows: [[String]], columns: [String]) -> [[String]] {
            let index = { (name: String) in columns.firstIndex(of: name) }
            guard let level = index("level") else { return rows }
            let identifying = ["zone_id", "zone_name", "group_id", "group_name"].compactMap(index)
            let groupName = index("group_name").flatMap { name in rows.contains { $0[level] == "group" && !$0[name].isEmpty } ? name : nil }
            guard let name = groupName ?? index("zone_name") ?? index("group_name") else { return rows }
            return rows.map { row in
                guard row[level] == "group", identifying.allSatisfy({ row[$0].isEmpty }) else { return row }
                var named = row
                named[name] = "(zones without a group)"
                return named
            }
        }

        /// Pass or fail per unit (`target_met` yes/no, `target_pct`), failures first, when the table has a target.
        /// A unit is told by its level, id, name and group, whichever columns hold them (a roll-up row's own
        /// `group_id`/`group_name`, else its `zone_id`/`zone_name`).
        private mutating func targetCheck(_ table: Table, zones: [[String]], rollUps: [[String]]) {
            guard let met = table.columns.firstIndex(of: "target_met") else { return }
            func count(_ rows: [[String]], _ value: String) -> Int { rows.filter { $0[met] == value }.count }
            var chips: [String] = []
            for (name, rows) in [("zones", zones), ("roll-ups", rollUps)] where !rows.isEmpty {
                let pass = count(rows, "yes"), fail = count(rows, "no"), none = rows.count - pass - fail
                chips.append("<span class=\"chip\"><b>\(pass)</b> of \(rows.count) \(name) meet the target"
                             + (fail > 0 ? " · <b class=\"fail-text\">\(fail)</b> do not" : "") + (none > 0 ? " · \(none) without data" : "") + "</span>")
            }
            body += "<div class=\"target\"><h4>Target check</h4><p>\(chips.joined(separator: " "))</p>\n"
            let column = { (name: String) in table.columns.firstIndex(of: name) }
            func value(_ row: [String], _ names: String...) -> String {
                names.lazy.compactMap(column).map { row[$0] }.first { !$0.isEmpty } ?? ""
            }
            let units = (rollUps + zones).map { row -> [String] in
                let level = value(row, "level")
                let rollUp = level == "group" || level == "total"
                return [level.isEmpty ? "zone" : level,
                        rollUp ? value(row, "group_id", "zone_id") : value(row, "zone_id"),
                        rollUp ? value(row, "group_name", "zone_name") : value(row, "zone_name"),
                        rollUp ? "" : value(row, "group_name", "group_id"),
                        value(row, "target_pct"), row[met]]
            }
            let rank = ["no": 0, "yes": 2]
            let ordered = units.enumerated().sorted { a, b in
                let x = rank[a.element[5]] ?? 1, y = rank[b.element[5]] ?? 1
                return x != y ? x < y : a.offset < b.offset
            }.map(\.element)
            grid(columns: ["level", "id", "name", "group", "target_pct", "target_met"], rows: ordered, dropping: [], filter: true, compact: true)
            body += "</div>\n"
        }

        /// A sortable table (click a header), numbers right-aligned and kept exact for sorting; columns empty
        /// in every row are left out.
        private mutating func grid(columns: [String], rows: [[String]], dropping: Set<String>, filter: Bool, compact: Bool = false,
                                   classes: [Int: QGISStyle.Entry] = [:]) {
            tableCount += 1
            let id = "t\(tableCount)"
            let shown = columns.indices.filter { index in !dropping.contains(columns[index]) && rows.contains { !$0[index].isEmpty } }
            let numeric = Set(shown.filter { index in
                !Self.textColumns.contains(columns[index]) && rows.allSatisfy { $0[index].isEmpty || Double($0[index]) != nil }
            })
            if filter && rows.count > 10 {
                body += "<input class=\"filter\" type=\"search\" data-table=\"\(id)\" placeholder=\"Find by name or id (accents optional)\" aria-label=\"Filter rows\">\n"
            }
            body += "<div class=\"scroll\(compact ? " compact" : "")\"><table id=\"\(id)\" class=\"sortable\"><thead><tr>"
            body += shown.map { index in
                let name = columns[index]
                // A class column also shows the class's label and colour ("class_4_pct" is a code, not a name).
                let label = RunReport.classColumn(name).flatMap { classes[$0.code] }.map { entry in
                    "<span class=\"class-label\"><span class=\"swatch small\" style=\"background:\(QGISStyle.hexColour(entry.color))\"></span>\(entry.label.markupEscaped)</span>"
                } ?? ""
                return "<th\(numeric.contains(index) ? " class=\"num\"" : "") title=\"Sort by \(name.markupEscaped)\">\(name.markupEscaped)\(label)</th>"
            }.joined()
            body += "</tr></thead><tbody>\n"
            for row in rows {
                body += "<tr>" + shown.map { index in cell(row[index], column: columns[index], numeric: numeric.contains(index)) }.joined() + "</tr>\n"
            }
            body += "</tbody></table></div>\n"
        }

        private func cell(_ text: String, column: String, numeric: Bool) -> String {
            if column == "target_met" {
                switch text {
                case "yes": return "<td data-v=\"1\"><span class=\"pass\">✓ met</span></td>"
                case "no": return "<td data-v=\"0\"><span class=\"fail\">✗ not met</span></td>"
                default: return "<td data-v=\"\"><span class=\"muted\">no data</span></td>"
                }
            }
            guard numeric, let value = Double(text) else {
                let sortKey = Double(text) != nil ? " data-v=\"\(text.markupEscaped)\"" : ""
                return "<td\(sortKey)>\(text.markupEscaped)</td>"
            }
            let shown = value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(format: abs(value) < 1 ? "%.3f" : "%.2f", value)
            return "<td class=\"num\" data-v=\"\(text.markupEscaped)\" title=\"\(text.markupEscaped)\">\(shown)</td>"
        }

        mutating func steps(_ manifest: RunManifest) {
            body += "<section id=\"steps\"><h2>Steps</h2>\n<div class=\"scroll compact\"><table class=\"sortable\"><thead><tr>"
            body += "<th class=\"num\">#</th><th>Step</th><th>Kind</th><th>Status</th><th class=\"num\">Time</th><th>Outputs</th><th class=\"num\">Warnings</th></tr></thead><tbody>\n"
            for (index, step) in manifest.steps.enumerated() {
                let outputs = step.outputs.map { "<a href=\"\($0.path.markupEscaped)\">\($0.path.markupEscaped)</a>" }.joined(separator: "<br>")
                body += "<tr><td class=\"num\" data-v=\"\(index + 1)\">\(index + 1)</td><td>\(step.name.markupEscaped)</td><td>\(step.kind.markupEscaped)</td>"
                body += "<td><span class=\"badge \(step.status == "reused" ? "reused" : step.status == "computed" ? "computed" : "other")\">\(step.status.markupEscaped)</span></td>"
                body += "<td class=\"num\" data-v=\"\(step.seconds)\">\(Self.time(step.seconds))</td><td>\(outputs)</td>"
                body += "<td class=\"num\" data-v=\"\(step.warnings.count)\">\(step.warnings.isEmpty ? "" : "<span class=\"warn-text\">\(step.warnings.count)</span>")</td></tr>\n"
            }
            body += "</tbody></table></div>\n"
            for step in manifest.steps {
                let parameters = step.parameterPhrases.map { "<li><code>\($0.markupEscaped)</code></li>" }.joined()
                let warnings = step.warnings.map { "<li>\($0.markupEscaped)</li>" }.joined()
                body += "<details class=\"step\"\(step.warnings.isEmpty ? "" : " open")><summary><b>\(step.name.markupEscaped)</b> · \(step.kind.markupEscaped)"
                    + (step.warnings.isEmpty ? "" : " · <span class=\"warn-text\">\(step.warnings.count) warning\(step.warnings.count == 1 ? "" : "s")</span>") + "</summary>"
                if !warnings.isEmpty { body += "<ul class=\"warnings\">\(warnings)</ul>" }
                body += "<p class=\"muted\">Inputs: \(step.inputs.map { $0.markupEscaped }.joined(separator: ", ")) · cache key \(String(step.cacheKey.prefix(12)).markupEscaped)…</p>"
                if !parameters.isEmpty { body += "<ul class=\"parameters\">\(parameters)</ul>" }
                body += "</details>\n"
            }
            body += "</section>\n"
        }

        mutating func inputs(_ manifest: RunManifest) {
            body += "<section id=\"inputs\"><h2>Inputs</h2>\n<div class=\"scroll compact\"><table class=\"sortable\"><thead><tr><th>Path</th><th class=\"num\">Size</th><th>SHA-256</th></tr></thead><tbody>\n"
            for input in manifest.inputs {
                body += "<tr><td>\(input.path.markupEscaped)</td><td class=\"num\" data-v=\"\(input.size)\">\(Self.bytes(input.size))</td>"
                body += "<td><code title=\"\(input.sha256.markupEscaped)\">\(String(input.sha256.prefix(12)).markupEscaped)…</code></td></tr>\n"
            }
            body += "</tbody></table></div></section>\n"
        }

        mutating func footer(_ manifest: RunManifest) {
            body += "</main>\n<footer class=\"wrap\">Written by soilmap \(manifest.software.soilmap.markupEscaped) from <a href=\"manifest.json\">manifest.json</a>, "
                + "which lists every input and output with its SHA-256 (<code>soilmap verify</code> checks them).</footer>\n"
        }

        func document(title: String) -> String {
            """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="soilmap">
            <title>\(title.markupEscaped)</title>
            <style>\(Self.style)</style>
            </head>
            <body>
            \(body)<script>\(Self.script)</script>
            </body>
            </html>

            """
        }

        // MARK: - Formatting

        /// "2026-12-01T08:00:03Z" as "2026-12-01 08:00:03 UTC".
        private func display(_ instant: String) -> String {
            instant.hasSuffix("Z") && instant.count == 20 ? "\(instant.prefix(10)) \(instant.dropFirst(11).prefix(8)) UTC" : instant
        }

        static func duration(from start: String, to end: String) -> Double? {
            let formatter = ISO8601DateFormatter()
            func parse(_ text: String) -> Date? {
                formatter.formatOptions = [.withInternetDateTime]
                if let date = formatter.date(from: text) { return date }
                formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
                return formatter.date(from: text)
            }
            guard let a = parse(start), let b = parse(end) else { return nil }
            return b.timeIntervalSince(a)
        }

        static func time(_ seconds: Double) -> String {
            if seconds < 60 { return String(format: seconds < 10 ? "%.2f s" : "%.1f s", seconds) }
            let whole = Int(seconds.rounded())
            return whole < 3600 ? "\(whole / 60) min \(whole % 60) s" : "\(whole / 3600) h \(whole % 3600 / 60) min"
        }

        static func bytes(_ size: Int64) -> String {
            let units = ["B", "kB", "MB", "GB", "TB"]
            var value = Double(size), unit = 0
            while value >= 1000 && unit < units.count - 1 { value /= 1000; unit += 1 }
            return unit == 0 ? "\(size) B" : String(format: value < 10 ? "%.1f" : "%.0f", value) + " " + units[unit]
        }

        // MARK: - Style and script

        static let style = """
        :root{--ink:#1f2933;--muted:#5f6b7a;--line:#e3e7ec;--paper:#f6f7f9;--accent:#2d5d4b;--pass:#1a7f37;--fail:#b42318;--warn:#9a6700}
        *{box-sizing:border-box}
        body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:var(--ink);background:var(--paper)}
        .wrap{max-width:1240px;margin:0 auto;padding:0 24px}
        a{color:var(--accent)}
        header.top{background:linear-gradient(135deg,#23463a,#2f6a55);color:#fff;padding:20px 0 18px}
        header.top a{color:#fff}
        .brand{margin:0;font-size:13px;letter-spacing:.08em;text-transform:uppercase;opacity:.8}
        h1{margin:4px 0 12px;font-size:28px;font-weight:650;display:flex;align-items:center;gap:12px;flex-wrap:wrap}
        .status{font-size:13px;font-weight:600;padding:3px 10px;border-radius:999px;text-transform:uppercase;letter-spacing:.05em}
        .status.ok{background:#d7f5df;color:#0f5323}.status.bad{background:#ffe1dc;color:#8a1c0f}
        .error{background:#fff1ee;color:#8a1c0f;padding:8px 12px;border-radius:6px}
        .facts{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:6px 24px;margin:0}
        .facts div{min-width:0}.facts dt{font-size:12px;opacity:.75}.facts dd{margin:0;font-weight:500;overflow-wrap:anywhere}
        nav{display:flex;gap:20px;padding-top:12px;padding-bottom:4px;font-weight:600}
        nav a{text-decoration:none}
        h2{font-size:21px;margin:28px 0 12px;padding-bottom:6px;border-bottom:2px solid var(--line)}
        h3{font-size:17px;margin:0 0 4px}h4{font-size:14px;margin:16px 0 6px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
        .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:12px;margin-top:16px}
        .card{background:#fff;border:1px solid var(--line);border-radius:10px;padding:12px 16px}
        .card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.05em}
        .card .value{font-size:26px;font-weight:650}.card .note{font-size:13px;color:var(--muted)}
        .card.warn .value{color:var(--warn)}
        article{background:#fff;border:1px solid var(--line);border-radius:10px;padding:16px 20px;margin:0 0 16px}
        .meta{margin:0 0 8px;color:var(--muted);font-size:14px}.muted{color:var(--muted)}
        .map-body{display:flex;gap:24px;align-items:flex-start;flex-wrap:wrap}
        .map-body img{max-width:min(100%,860px);height:auto;border:1px solid var(--line);border-radius:6px}
        .legend{flex:1 1 220px}
        .legend ul{list-style:none;margin:0;padding:0}.legend li{display:flex;align-items:center;gap:8px;margin:4px 0}
        .swatch{display:inline-block;width:26px;height:16px;border:1px solid #8893a0;border-radius:3px}
        .swatch.small{width:12px;height:10px;margin-right:4px;vertical-align:-1px}
        .class-label{display:block;font-weight:400;font-size:12px;color:var(--muted)}
        .code{font-variant-numeric:tabular-nums;color:var(--muted);min-width:1.5em;text-align:right}
        ul.plain{padding-left:18px}
        .scroll{overflow:auto;max-height:70vh;border:1px solid var(--line);border-radius:8px;background:#fff}
        .scroll.compact{max-height:50vh}
        table{border-collapse:collapse;width:100%;font-size:13.5px;font-variant-numeric:tabular-nums}
        th,td{padding:5px 10px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
        th{position:sticky;top:0;background:#eef1f4;cursor:pointer;user-select:none;font-weight:600;z-index:1}
        th:hover{background:#e2e7ec}
        th[aria-sort=ascending]::after{content:" ▲";font-size:10px}th[aria-sort=descending]::after{content:" ▼";font-size:10px}
        .num{text-align:right}
        tbody tr:nth-child(even){background:#fafbfc}tbody tr:hover{background:#eef6f2}
        .pass,.fail{display:inline-block;padding:1px 8px;border-radius:999px;font-weight:600;font-size:12.5px}
        .pass{background:#dcf3e3;color:var(--pass)}.fail{background:#fde2dd;color:var(--fail)}
        .fail-text{color:var(--fail)}.warn-text{color:var(--warn);font-weight:600}
        .target{background:#f8faf9;border:1px solid var(--line);border-radius:8px;padding:4px 14px 12px;margin:8px 0 12px}
        .chip{display:inline-block;background:#fff;border:1px solid var(--line);border-radius:999px;padding:3px 12px;margin:0 6px 6px 0}
        .badge{display:inline-block;padding:1px 8px;border-radius:999px;font-size:12.5px;font-weight:600}
        .badge.computed{background:#e0ecff;color:#1d4ed8}.badge.reused{background:#efe7ff;color:#6d28d9}.badge.other{background:#fde2dd;color:var(--fail)}
        input.filter{margin:0 0 8px;padding:6px 10px;width:min(420px,100%);border:1px solid #c9d0d8;border-radius:6px;font:inherit}
        details.step{background:#fff;border:1px solid var(--line);border-radius:8px;padding:8px 14px;margin:8px 0}
        details.step summary{cursor:pointer}ul.warnings li{color:var(--warn)}ul.parameters{columns:2;font-size:13px}
        code{font-family:"DejaVu Sans Mono",ui-monospace,monospace;font-size:12.5px}
        footer{color:var(--muted);font-size:13px;padding-top:20px;padding-bottom:32px}
        @media print{.scroll{max-height:none;overflow:visible}input.filter,nav{display:none}article{break-inside:avoid}}
        """

        /// Sorting (numbers by value, text in Vietnamese order, empty cells last) and accent-insensitive filtering.
        static let script = """
        (function(){
        function key(c){var v=c.getAttribute('data-v');return v===null?c.textContent.trim():v;}
        function fold(s){return s.normalize('NFD').replace(/[\\u0300-\\u036f]/g,'').replace(/đ/g,'d').replace(/Đ/g,'D').toLowerCase();}
        document.querySelectorAll('table.sortable').forEach(function(t){
          var heads=t.tHead.rows[0].cells;
          Array.prototype.forEach.call(heads,function(th,i){th.addEventListener('click',function(){
            var up=th.getAttribute('aria-sort')!=='ascending',body=t.tBodies[0],rows=Array.prototype.slice.call(body.rows);
            Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
            th.setAttribute('aria-sort',up?'ascending':'descending');
            rows.sort(function(a,b){var x=key(a.cells[i]),y=key(b.cells[i]);
              if(x===''||y==='')return (x==='')-(y==='');
              var p=Number(x),q=Number(y),r=(!isNaN(p)&&!isNaN(q))?p-q:x.localeCompare(y,'vi',{numeric:true});
              return up?r:-r;});
            rows.forEach(function(r){body.appendChild(r);});
          });});
        });
        document.querySelectorAll('input.filter').forEach(function(f){
          var t=document.getElementById(f.getAttribute('data-table'));
          f.addEventListener('input',function(){var q=fold(f.value.trim());
            Array.prototype.forEach.call(t.tBodies[0].rows,function(r){r.hidden=q!==''&&fold(r.textContent).indexOf(q)<0;});});
        });
        })();
        """
    }
}
