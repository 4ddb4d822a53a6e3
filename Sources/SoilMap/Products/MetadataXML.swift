import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

/// A product's XML metadata as a small tree: element names without their namespace prefix, text trimmed.
struct MetadataXML {
    final class Element {
        let name: String
        let attributes: [String: String]
        var children: [Element] = []
        var text = ""

        init(name: String, attributes: [String: String]) {
            self.name = name
            self.attributes = attributes
        }

        /// The first descendant (depth first) named `name`.
        func first(_ name: String) -> Element? {
            for child in children {
                if child.name == name { return child }
                if let found = child.first(name) { return found }
            }
            return nil
        }

        /// Every descendant named `name`, in document order.
        func all(_ name: String) -> [Element] {
            children.flatMap { ($0.name == name ? [$0] : []) + $0.all(name) }
        }

        /// The trimmed text of the first descendant named `name`, nil when absent or empty.
        func value(_ name: String) -> String? {
            guard let text = first(name)?.text, !text.isEmpty else { return nil }
            return text
        }
    }

    let root: Element

    /// Parses `data`; the error names the line and the parser's reason.
    init(data: Data) throws {
        let builder = Builder()
        let parser = XMLParser(data: data)
        parser.delegate = builder
        guard parser.parse(), let root = builder.root else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "no root element"
            throw MetadataXMLError(line: parser.lineNumber, reason: reason)
        }
        // A truncated file (an interrupted download) can parse without complaint up to its end.
        if let open = builder.openElement {
            throw MetadataXMLError(line: parser.lineNumber, reason: "the file ends inside <\(open)> (truncated?)")
        }
        self.root = root
    }

    private final class Builder: NSObject, XMLParserDelegate {
        var root: Element?
        private var stack: [Element] = []
        var openElement: String? { stack.last?.name }

        func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            let local = elementName.split(separator: ":").last.map(String.init) ?? elementName
            let element = Element(name: local, attributes: attributes)
            if let parent = stack.last { parent.children.append(element) } else { root = element }
            stack.append(element)
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) { stack.last?.text += string }

        func parser(_ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?) {
            if let element = stack.popLast() { element.text = element.text.trimmingCharacters(in: .whitespacesAndNewlines) }
        }
    }
}

struct MetadataXMLError: Error, CustomStringConvertible {
    var line: Int
    var reason: String
    var description: String { "line \(line): \(reason)" }
}
