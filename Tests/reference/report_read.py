#!/usr/bin/env python3
"""Reads a run report (report.html) with Python's own HTML parser, independently of soilmap, and prints what a
reader sees, as JSON:

  /usr/bin/python3 Tests/reference/report_read.py REPORT.html [--csv TABLE.csv]

  {"tables": [{"id", "headers", "labels" (a class column's class label), "rows": [[cell text]],
               "keys": [[data-v or null]], "hidden": [bool]}],
   "images": [{"alt", "sha256", "bytes"}], "text": "...", "external": [URLs of resources outside the page],
   "csv": {"columns", "levels": {level: rows}, "target_met": {value: rows}}}

`external` lists every src/href/url() that is not a data: URI, a fragment or a relative link to a file of the
run directory (a resource fetched from a server would make the page depend on the network). With --csv, the
table is read by Python's csv module for comparison.
"""
import base64
import collections
import csv
import hashlib
import json
import re
import sys
from html.parser import HTMLParser


class Reader(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables, self.images, self.external, self.text = [], [], [], []
        self.table = None
        self.section = None  # "head" or "body"
        self.row = None
        self.cell = None
        self.in_script = self.in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("src", "href"):
            value = attrs.get(name)
            if value is not None and (value.startswith(("http:", "https:", "//")) or (tag in ("script", "link") and not value.startswith("data:"))):
                self.external.append(value)
        if tag == "img":
            src = attrs.get("src", "")
            data = base64.b64decode(src.split(",", 1)[1]) if src.startswith("data:image/png;base64,") else b""
            self.images.append({"alt": attrs.get("alt"), "sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)})
        elif tag == "table":
            self.table = {"id": attrs.get("id"), "headers": [], "labels": [], "rows": [], "keys": [], "hidden": []}
        elif tag in ("thead", "tbody"):
            self.section = "head" if tag == "thead" else "body"
        elif tag == "tr" and self.table is not None:
            self.row = []
            if self.section == "body":
                self.table["keys"].append([])
                self.table["hidden"].append("hidden" in attrs)
        elif tag == "span" and "class-label" in (attrs.get("class") or "") and self.cell is not None:
            self.cell.append(" | ")
        elif tag in ("td", "th") and self.row is not None:
            self.cell = []
            if tag == "td":
                self.table["keys"][-1].append(attrs.get("data-v"))
        elif tag == "script":
            self.in_script = True
        elif tag == "style":
            self.in_style = True

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append("".join(self.cell).strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.section == "head":
                self.table["headers"] = [cell.split(" | ")[0] for cell in self.row]
                self.table["labels"] = [cell.split(" | ")[1] if " | " in cell else "" for cell in self.row]
            else:
                self.table["rows"].append(self.row)
            self.row = None
        elif tag == "table" and self.table is not None:
            self.tables.append(self.table)
            self.table = None
        elif tag == "script":
            self.in_script = False
        elif tag == "style":
            self.in_style = False

    def handle_data(self, data):
        if self.in_style:
            self.external += [u for u in re.findall(r"url\(([^)]*)\)", data) if not u.strip("'\"").startswith("data:")]
            self.external += re.findall(r"@import[^;]*", data)
            return
        if self.in_script:
            return
        if self.cell is not None:
            self.cell.append(data)
        self.text.append(data)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        page = f.read()
    reader = Reader()
    reader.feed(page)
    result = {"tables": reader.tables, "images": reader.images, "external": reader.external, "text": "".join(reader.text)}
    if "--csv" in sys.argv:
        with open(sys.argv[sys.argv.index("--csv") + 1], encoding="utf-8", newline="") as f:
            rows = list(csv.DictReader(f))
        result["csv"] = {
            "columns": list(rows[0].keys()) if rows else [],
            "levels": collections.Counter(r.get("level", "") for r in rows),
            "target_met": collections.Counter(r.get("target_met", "") for r in rows),
            "rows": rows,
        }
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
