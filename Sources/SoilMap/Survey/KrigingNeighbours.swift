/// The neighbour sets of kriging over one block of cells (PointEstimator.prepareBlock): the block's candidate
/// points, and the set of the last cell, kept at the front of the candidate list (the list's order changes no
/// choice, only the work) with its slot in the kriging cache. Raw buffers, and the state read once per cell into
/// locals: this runs for every kriged cell, where the exclusivity checks of class arrays cost as much as the scan.
final class KrigingNeighbours {
    /// The k of the rule (at most the point count) and the squared radius (infinite: none).
    let capacity: Int
    let limit: Double
    private var room = 0
    private var ids = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
    private var xs = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var ys = UnsafeMutablePointer<Double>.allocate(capacity: 1)
    private var count = 0
    /// The last cell's set: the first `setCount` candidates; `setSlot` its cache slot (-1: no set to keep).
    private var setCount = 0
    private var setSlot = -1
    /// Selection scratch: the best (distance², position) so far, and the set's key (ascending point indices).
    private let bestDistances2: UnsafeMutablePointer<Double>
    private let bestPositions: UnsafeMutablePointer<Int>
    private let key: UnsafeMutablePointer<Int32>

    init(capacity: Int, limit: Double) {
        self.capacity = max(1, capacity)
        self.limit = limit
        bestDistances2 = .allocate(capacity: self.capacity)
        bestPositions = .allocate(capacity: self.capacity)
        key = .allocate(capacity: self.capacity)
    }

    deinit {
        ids.deallocate(); xs.deallocate(); ys.deallocate()
        bestDistances2.deallocate(); bestPositions.deallocate(); key.deallocate()
    }

    /// A new block's candidates; no set is kept from the block before.
    func load(ids newIDs: [Int32], xs newXs: [Double], ys newYs: [Double]) {
        if newIDs.count > room {
            ids.deallocate(); xs.deallocate(); ys.deallocate()
            room = max(newIDs.count, 2 * room)
            ids = .allocate(capacity: room)
            xs = .allocate(capacity: room)
            ys = .allocate(capacity: room)
        }
        for position in newIDs.indices {
            ids[position] = newIDs[position]
            xs[position] = newXs[position]
            ys[position] = newYs[position]
        }
        count = newIDs.count
        forgetSet()
    }

    /// The cache slot of the last set may be taken by another set: the next cell selects afresh.
    func forgetSet() { setSlot = -1 }

    /// Kriging at (px, py) in the block. The last cell's set still holds when all its points are within the radius
    /// and every other candidate is farther than its farthest (beyond the radius if it is short of k); then the
    /// cell skips the selection and the cache look-up. Equal distances fall back to the full selection, whose
    /// (distance², index) rule is the tree search's: the set, and the value, are the same whichever way found.
    func estimate(_ px: Double, _ py: Double, kriging: KrigingSystem) -> (value: Double, variance: Double) {
        let ids = self.ids, xs = self.xs, ys = self.ys, total = count, capacity = self.capacity, limit = self.limit
        var slot = setSlot, chosen = setCount
        // A candidate come within the set's farthest: its position (-2: level with it, but after it by index).
        var intruder = -1
        if slot >= 0 {
            var farthest = -Double.infinity, last = 0
            for position in 0..<chosen {
                let dx = xs[position] - px, dy = ys[position] - py
                let d2 = dx * dx + dy * dy
                if d2 > farthest || (d2 == farthest && ids[position] > ids[last]) { farthest = d2; last = position }
            }
            if farthest > limit {
                slot = -1
            } else {
                let threshold = chosen == capacity ? farthest : limit
                for position in chosen..<total {
                    let dx = xs[position] - px, dy = ys[position] - py
                    let d2 = dx * dx + dy * dy
                    if d2 <= threshold {
                        // Every other candidate is farther than all of the set and this one, so the new set is the k
                        // best of those k + 1: the set without its worst by (distance², index), which may be the
                        // newcomer itself. A second one, or a set short of k, takes the full selection.
                        if chosen == capacity && intruder < 0 {
                            intruder = position
                            if d2 == farthest && ids[position] > ids[last] { intruder = -2 } // the newcomer is the worst
                        } else {
                            slot = -1
                            intruder = -1
                            break
                        }
                    }
                }
                if slot >= 0 && intruder >= 0 {
                    let id = ids[last]; ids[last] = ids[intruder]; ids[intruder] = id
                    let x = xs[last]; xs[last] = xs[intruder]; xs[intruder] = x
                    let y = ys[last]; ys[last] = ys[intruder]; ys[intruder] = y
                    slot = -1
                }
            }
        }
        if slot < 0 {
            if intruder < 0 {
                chosen = select(px, py, ids: ids, xs: xs, ys: ys, total: total)
                setCount = chosen
            }
            guard chosen > 0 else { setSlot = -1; return (.nan, .nan) }
            // The set in ascending point order: the cache's key and the order of the system's rows.
            let key = self.key
            for position in 0..<chosen {
                let id = ids[position]
                var place = position
                while place > 0, key[place - 1] > id { key[place] = key[place - 1]; place -= 1 }
                key[place] = id
            }
            slot = kriging.slot(for: UnsafeBufferPointer(start: key, count: chosen))
            setSlot = slot
        }
        return kriging.estimate(px, py, slot: slot)
    }

    /// The `capacity` best candidates for (px, py) within the radius by (distance², index), as
    /// PointEstimator.scanCandidates, moved to the front of the list (in ascending position: a position not yet
    /// reached is never moved); returns how many.
    private func select(_ px: Double, _ py: Double, ids: UnsafeMutablePointer<Int32>, xs: UnsafeMutablePointer<Double>,
                        ys: UnsafeMutablePointer<Double>, total: Int) -> Int {
        let bestD = bestDistances2, bestP = bestPositions, capacity = self.capacity
        var count = 0, bound = limit
        for position in 0..<total {
            let dx = xs[position] - px, dy = ys[position] - py
            let d2 = dx * dx + dy * dy
            guard d2 <= bound else { continue }
            let id = ids[position]
            if count == capacity {
                if d2 == bestD[count - 1] && id > ids[bestP[count - 1]] { continue }
                count -= 1
            }
            var slot = count
            while slot > 0, bestD[slot - 1] > d2 || (bestD[slot - 1] == d2 && ids[bestP[slot - 1]] > id) {
                bestD[slot] = bestD[slot - 1]
                bestP[slot] = bestP[slot - 1]
                slot -= 1
            }
            bestD[slot] = d2
            bestP[slot] = position
            count += 1
            if count == capacity { bound = bestD[count - 1] }
        }
        for index in 1..<max(1, count) {
            let position = bestP[index]
            var slot = index
            while slot > 0, bestP[slot - 1] > position { bestP[slot] = bestP[slot - 1]; slot -= 1 }
            bestP[slot] = position
        }
        for front in 0..<count where bestP[front] != front {
            let position = bestP[front]
            let id = ids[front]; ids[front] = ids[position]; ids[position] = id
            let x = xs[front]; xs[front] = xs[position]; xs[position] = x
            let y = ys[front]; ys[front] = ys[position]; ys[position] = y
        }
        return count
    }
}
