import GDAL

/// The one way soilmap writes a table as CSV text (reading is in LandCoverRecode.swift): UTF-8, a header, RFC 4180
/// quoting, whole numbers without a decimal point, other numbers in the shortest form that reads back as the same
/// Double, NULL as empty.
extension CSVText {
    static func quote(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    static func text(header: [String], rows: [[FieldValue]]) -> String {
        var text = header.map(quote).joined(separator: ",") + "\n"
        for row in rows {
            text += row.map { value -> String in
                switch value {
                case .null: return ""
                case .integer(let number): return String(number)
                case .real(let number): return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
                case .string(let string): return quote(string)
                }
            }.joined(separator: ",") + "\n"
        }
        return text
    }
}
