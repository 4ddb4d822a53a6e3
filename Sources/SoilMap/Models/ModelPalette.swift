import Foundation

/// Map values and colours of a model's classes.
enum ModelPalette {
    /// Twelve distinct colours (ColorBrewer "Paired", reordered so neighbouring classes contrast), then repeated.
    static let colours = ["#1F78B4", "#33A02C", "#E31A1C", "#FF7F00", "#6A3D9A", "#B15928",
                          "#A6CEE3", "#B2DF8A", "#FB9A99", "#FDBF6F", "#CAB2D6", "#FFFF99"]

    /// Labels that are all whole numbers from 1 to 254 keep their number as the map value (a class field of codes
    /// means the same in the map); otherwise classes are 1, 2, ... in label order.
    static func classes(labels: [String], counts: [Int], useNumericLabels: Bool = true) -> [ModelClass] {
        let numbers = labels.compactMap { Int($0) }
        let keepNumbers = useNumericLabels && numbers.count == labels.count && numbers.allSatisfy { (1...254).contains($0) }
        return labels.enumerated().map { index, label in
            ModelClass(value: keepNumbers ? numbers[index] : index + 1, label: label, color: colours[index % colours.count], samples: counts[index])
        }
    }
}
