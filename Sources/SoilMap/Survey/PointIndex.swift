/// A static 2-d tree over survey points for neighbour searches: the k nearest within a radius, and all points in a
/// circle. Built once by median splits on the alternating axis over a permutation array; queries allocate
/// nothing beyond the caller's buffers, so workers can share one index. Ties in distance are broken by point
/// index, so the neighbours chosen never depend on the tree's layout or on threads.
struct PointIndex: Sendable {
    let x: [Double]
    let y: [Double]
    /// Point indices in tree order: node i's subtree is `order[range]`, its point the middle one.
    private let order: [Int32]

    init(x: [Double], y: [Double]) {
        self.x = x
        self.y = y
        var order = (0..<Int32(x.count)).map { $0 }
        Self.build(&order, x: x, y: y, range: 0..<order.count, depth: 0)
        self.order = order
    }

    private static func build(_ order: inout [Int32], x: [Double], y: [Double], range: Range<Int>, depth: Int) {
        guard range.count > 1 else { return }
        let axisX = depth % 2 == 0
        // A full sort of the range is simple and, at survey sizes (10^4 points), fast enough.
        order[range].sort { a, b in
            let ka = axisX ? x[Int(a)] : y[Int(a)], kb = axisX ? x[Int(b)] : y[Int(b)]
            return ka != kb ? ka < kb : a < b
        }
        let middle = range.lowerBound + range.count / 2
        build(&order, x: x, y: y, range: range.lowerBound..<middle, depth: depth + 1)
        build(&order, x: x, y: y, range: (middle + 1)..<range.upperBound, depth: depth + 1)
    }

    /// The `k` nearest points to (px, py) with squared distance <= `maxDistance2`, written to `found` sorted by
    /// (distance, index); returns how many.
    func nearest(_ px: Double, _ py: Double, k: Int, maxDistance2: Double, into found: inout NeighbourList) -> Int {
        found.reset(capacity: k, bound: maxDistance2)
        order.withUnsafeBufferPointer { order in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    searchNearest(order, xs, ys, 0..<order.count, depth: 0, px, py, &found)
                }
            }
        }
        return found.count
    }

    private func searchNearest(_ order: UnsafeBufferPointer<Int32>, _ xs: UnsafeBufferPointer<Double>, _ ys: UnsafeBufferPointer<Double>,
                               _ range: Range<Int>, depth: Int, _ px: Double, _ py: Double, _ found: inout NeighbourList) {
        guard !range.isEmpty else { return }
        let middle = range.lowerBound + range.count / 2
        let point = Int(order[middle])
        let dx = xs[point] - px, dy = ys[point] - py
        found.offer(index: point, distance2: dx * dx + dy * dy)
        let difference = depth % 2 == 0 ? px - xs[point] : py - ys[point]
        let near = difference < 0 ? range.lowerBound..<middle : (middle + 1)..<range.upperBound
        let far = difference < 0 ? (middle + 1)..<range.upperBound : range.lowerBound..<middle
        searchNearest(order, xs, ys, near, depth: depth + 1, px, py, &found)
        if difference * difference <= found.bound { searchNearest(order, xs, ys, far, depth: depth + 1, px, py, &found) }
    }

    /// Every point with squared distance <= `radius2` from (px, py), appended to `found` (in no set order).
    func within(_ px: Double, _ py: Double, radius2: Double, into found: inout [Int32]) {
        found.removeAll(keepingCapacity: true)
        order.withUnsafeBufferPointer { order in
            x.withUnsafeBufferPointer { xs in
                y.withUnsafeBufferPointer { ys in
                    searchWithin(order, xs, ys, 0..<order.count, depth: 0, px, py, radius2, &found)
                }
            }
        }
    }

    private func searchWithin(_ order: UnsafeBufferPointer<Int32>, _ xs: UnsafeBufferPointer<Double>, _ ys: UnsafeBufferPointer<Double>,
                              _ range: Range<Int>, depth: Int, _ px: Double, _ py: Double, _ radius2: Double, _ found: inout [Int32]) {
        guard !range.isEmpty else { return }
        let middle = range.lowerBound + range.count / 2
        let point = Int(order[middle])
        let dx = xs[point] - px, dy = ys[point] - py
        if dx * dx + dy * dy <= radius2 { found.append(Int32(point)) }
        let difference = depth % 2 == 0 ? px - xs[point] : py - ys[point]
        if difference <= 0 || difference * difference <= radius2 {
            searchWithin(order, xs, ys, range.lowerBound..<middle, depth: depth + 1, px, py, radius2, &found)
        }
        if difference >= 0 || difference * difference <= radius2 {
            searchWithin(order, xs, ys, (middle + 1)..<range.upperBound, depth: depth + 1, px, py, radius2, &found)
        }
    }
}

/// The best k candidates so far, kept sorted by (distance², index): small k (tens), so insertion is cheapest.
struct NeighbourList {
    private(set) var indices: [Int32] = []
    private(set) var distances2: [Double] = []
    private(set) var count = 0
    private var capacity = 0
    private var limit = Double.infinity

    init() {}

    mutating func reset(capacity: Int, bound: Double) {
        if indices.count < capacity {
            indices = [Int32](repeating: 0, count: capacity)
            distances2 = [Double](repeating: 0, count: capacity)
        }
        self.capacity = capacity
        count = 0
        limit = bound
    }

    /// Candidates farther than this cannot enter.
    var bound: Double { count == capacity ? distances2[count - 1] : limit }

    @inline(__always)
    mutating func offer(index: Int, distance2: Double) {
        guard distance2 <= limit, capacity > 0 else { return }
        if count == capacity {
            let last = distances2[count - 1]
            guard distance2 < last || (distance2 == last && Int32(index) < indices[count - 1]) else { return }
            count -= 1
        }
        var position = count
        while position > 0, distances2[position - 1] > distance2 || (distances2[position - 1] == distance2 && indices[position - 1] > Int32(index)) {
            distances2[position] = distances2[position - 1]
            indices[position] = indices[position - 1]
            position -= 1
        }
        distances2[position] = distance2
        indices[position] = Int32(index)
        count += 1
    }
}
