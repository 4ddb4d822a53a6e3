import Foundation
import GDAL

/// Survey values with their spatial index (and, for `linear`, their Delaunay triangulation), shared read-only by
/// every worker.
struct SurveyField: Sendable {
    let x: [Double]
    let y: [Double]
    let z: [Double]
    let index: PointIndex
    let triangulation: DelaunayTriangulation?

    /// `triangulated`: also build GDAL's triangulation (throws when the points cannot be triangulated).
    init(x: [Double], y: [Double], z: [Double], triangulated: Bool = false) throws {
        self.x = x
        self.y = y
        self.z = z
        index = PointIndex(x: x, y: y)
        triangulation = triangulated ? try DelaunayTriangulation(x: x, y: y) : nil
    }

    /// The points but one (leave-one-out for methods whose structure depends on every point, as `linear`).
    func without(_ point: Int) throws -> SurveyField {
        let kept = (0..<count).filter { $0 != point }
        return try SurveyField(x: kept.map { x[$0] }, y: kept.map { y[$0] }, z: kept.map { z[$0] }, triangulated: triangulation != nil)
    }

    var count: Int { x.count }
}

/// Estimates the surface at one place from the survey points, with one worker's scratch buffers (one estimator
/// per worker; not shared). Sums run over the chosen points in ascending point order, so a value depends only on
/// the place and the points, never on the search's path or on threads.
final class PointEstimator {
    let algorithm: GridAlgorithm
    let field: SurveyField
    /// For kriging: the variogram (given or fitted before the workers start).
    let variogram: VariogramModel?
    private var neighbours = NeighbourList()
    private var found: [Int32] = []
    private var chosen: [Int] = []
    private var kriging: KrigingSystem?
    /// For `linear`: the facet where the last triangle walk ended, the next walk's start (as gdal_grid does along a
    /// row). Reset at each row start, so a row's values never depend on the rows a worker did before.
    private var facetHint = 0
    /// Block-wise neighbour search (`prepareBlock`): the points that can be among the neighbours of any cell of the
    /// current block, with their coordinates side by side for a short linear scan per cell.
    private var candidates: [Int32] = []
    private var candidateX: [Double] = []
    private var candidateY: [Double] = []
    private var blockReady = false
    /// The k best candidates of the cell being estimated, sorted by (distance², index).
    private var bestDistances2: [Double] = []
    private var bestIndices: [Int32] = []
    /// Kriging: the block's candidates and the last cell's set (see KrigingNeighbours).
    private var krigingNeighbours: KrigingNeighbours?

    /// gdal_grid's test for "the point is at the cell": squared distance below 1e-13.
    static let coincident2 = 1e-13

    init(algorithm: GridAlgorithm, field: SurveyField, variogram: VariogramModel?) {
        self.algorithm = algorithm
        self.field = field
        self.variogram = variogram
        if let variogram, case .kriging(let options) = algorithm {
            let k = options.maxPoints == 0 ? field.count : options.maxPoints
            kriging = KrigingSystem(variogram: variogram, field: field, capacity: min(k, field.count))
            if let rule = neighbourRule {
                krigingNeighbours = KrigingNeighbours(capacity: min(rule.k, field.count), limit: rule.radius * rule.radius)
            }
        }
    }

    /// The estimate at (px, py), and for kriging its variance (NaN otherwise); NaN value: no point in range.
    /// `excluded`: a point left out (leave-one-out cross-validation).
    func estimate(_ px: Double, _ py: Double, excluding excluded: Int = -1) -> (value: Double, variance: Double) {
        switch algorithm {
        case .inverseDistance(let power, let smoothing, let ellipse, let maxPoints, let minPoints):
            if let ellipse {
                selectInEllipse(px, py, ellipse, maxPoints: maxPoints, excluding: excluded)
                if chosen.isEmpty || chosen.count < minPoints { return (.nan, .nan) }
            } else {
                chosen.removeAll(keepingCapacity: true)
                for point in 0..<field.count where point != excluded { chosen.append(point) }
            }
            return (inverseDistance(px, py, power: power, smoothing: smoothing), .nan)
        case .inverseDistanceNearest(let power, let smoothing, let radius, let maxPoints, let minPoints):
            selectNearest(px, py, k: maxPoints, radius: radius, excluding: excluded)
            if chosen.isEmpty || chosen.count < minPoints { return (.nan, .nan) }
            return (inverseDistance(px, py, power: power, smoothing: smoothing), .nan)
        case .movingAverage(let ellipse, let minPoints):
            if let ellipse {
                selectInEllipse(px, py, ellipse, maxPoints: 0, excluding: excluded)
            } else {
                chosen.removeAll(keepingCapacity: true)
                for point in 0..<field.count where point != excluded { chosen.append(point) }
            }
            if chosen.isEmpty || chosen.count < minPoints { return (.nan, .nan) }
            var sum = 0.0
            for point in chosen { sum += field.z[point] }
            return (sum / Double(chosen.count), .nan)
        case .nearest(let ellipse):
            if let ellipse {
                selectInEllipse(px, py, ellipse, maxPoints: 1, excluding: excluded)
            } else {
                selectNearest(px, py, k: 1, radius: .infinity, excluding: excluded)
            }
            return (chosen.first.map { field.z[$0] } ?? .nan, .nan)
        case .linear(let radius):
            return (linear(px, py, radius: radius, excluding: excluded), .nan)
        case .kriging(let options):
            if blockReady && excluded < 0, let neighbours = krigingNeighbours { return neighbours.estimate(px, py, kriging: kriging!) }
            krigingNeighbours?.forgetSet()  // the look-up below may reuse the slot of the block's last set
            if options.maxPoints == 0 && options.radius == 0 {
                // One global system: every point (but the excluded one), no search.
                if chosen.count != field.count - (excluded >= 0 ? 1 : 0) || (excluded >= 0 && chosen.contains(excluded)) {
                    chosen.removeAll(keepingCapacity: true)
                    for point in 0..<field.count where point != excluded { chosen.append(point) }
                }
            } else {
                let k = options.maxPoints == 0 ? field.count : options.maxPoints
                selectNearest(px, py, k: k, radius: options.radius == 0 ? .infinity : options.radius, excluding: excluded)
            }
            if chosen.isEmpty { return (.nan, .nan) }
            return kriging!.estimate(px, py, points: chosen)
        }
    }

    /// The k-closest-within-radius rule of the algorithm, for the methods whose cells all search that way.
    var neighbourRule: (k: Int, radius: Double)? {
        switch algorithm {
        case .inverseDistanceNearest(_, _, let radius, let maxPoints, _): return (maxPoints, radius)
        case .nearest(let ellipse) where ellipse == nil: return (1, .infinity)
        case .kriging(let options) where !(options.maxPoints == 0 && options.radius == 0):
            return (options.maxPoints == 0 ? field.count : options.maxPoints, options.radius == 0 ? .infinity : options.radius)
        default: return nil
        }
    }

    /// Gathers once, for the cells whose centres lie in the rectangle, every point that can be among the k closest
    /// within the radius of any of them; until the next call, those cells scan only this list. With c the
    /// rectangle's centre, h its half-diagonal and d_k the k-th closest distance from c, a cell's k closest all lie
    /// within min(radius, d_k + h) of it, so within min(radius, d_k + h) + h of c (triangle inequality; a relative
    /// margin covers rounding). The list keeps the k best by (distance², index) whatever order they are offered in,
    /// so the choice, and every value, is the tree search's to the bit.
    func prepareBlock(minX: Double, minY: Double, maxX: Double, maxY: Double) {
        guard let rule = neighbourRule, field.count > 0 else { blockReady = false; return }
        let cx = (minX + maxX) / 2, cy = (minY + maxY) / 2
        let h = ((maxX - minX) * (maxX - minX) + (maxY - minY) * (maxY - minY)).squareRoot() / 2
        let k = min(rule.k, field.count)
        var reach = rule.radius
        let count = field.index.nearest(cx, cy, k: k, maxDistance2: .infinity, into: &neighbours)
        if count == k { reach = min(reach, neighbours.distances2[k - 1].squareRoot() + h) }
        reach = (reach + h) * (1 + 1e-9) + 1e-9 * h
        candidates.removeAll(keepingCapacity: true)
        if reach.isFinite {
            field.index.within(cx, cy, radius2: reach * reach, into: &candidates)
        } else {
            candidates.append(contentsOf: (0..<Int32(field.count)))
        }
        // Nearest to the block's centre first: each cell's list then fills with near points and refuses the rest
        // after one comparison. The order changes no choice (see above), only the work.
        let distance2 = { (point: Int32) -> Double in
            let dx = self.field.x[Int(point)] - cx, dy = self.field.y[Int(point)] - cy
            return dx * dx + dy * dy
        }
        candidates.sort { distance2($0) != distance2($1) ? distance2($0) < distance2($1) : $0 < $1 }
        candidateX.removeAll(keepingCapacity: true)
        candidateY.removeAll(keepingCapacity: true)
        for point in candidates {
            candidateX.append(field.x[Int(point)])
            candidateY.append(field.y[Int(point)])
        }
        krigingNeighbours?.load(ids: candidates, xs: candidateX, ys: candidateY)
        blockReady = true
    }

    /// Back to the tree search for every place (validation points, cross-validation).
    func endBlock() {
        blockReady = false
        krigingNeighbours?.forgetSet()
    }

    /// Starts the next triangle walk from the first facet (at each row start, and per validation point).
    func resetSearch() { facetHint = 0 }

    /// gdal_grid's `linear`: inside the convex hull, the barycentric combination of the three vertices of the
    /// triangle holding the place; outside, the nearest point within `radius` (any distance when negative), or no
    /// value when `radius` is 0. The triangulation cannot leave a point out, so `excluded` must be -1 here (leave-one-out
    /// builds a field without the point instead).
    private func linear(_ px: Double, _ py: Double, radius: Double, excluding excluded: Int) -> Double {
        precondition(excluded < 0, "linear: leave-one-out needs a field without the point")
        guard let triangulation = field.triangulation else { preconditionFailure("linear: the field has no triangulation") }
        let (found, last) = triangulation.facet(containingX: px, y: py, startingFrom: facetHint)
        if let last { facetHint = last }
        if let facet = found {
            let (a, b, c) = triangulation.vertices(ofFacet: facet)
            let (la, lb, lc) = triangulation.barycentric(x: px, y: py, facet: facet)
            return la * field.z[a] + lb * field.z[b] + lc * field.z[c]
        }
        if radius == 0 { return .nan }
        selectNearest(px, py, k: 1, radius: radius < 0 ? .infinity : radius, excluding: -1)
        return chosen.first.map { field.z[$0] } ?? .nan
    }

    /// The k nearest within `radius` (ties by index), then put in point order.
    private func selectNearest(_ px: Double, _ py: Double, k: Int, radius: Double, excluding excluded: Int) {
        let want = excluded >= 0 ? k + 1 : k
        // Worked on as locals, not through the class's properties: no exclusivity check per candidate.
        var list = NeighbourList(), picked: [Int] = []
        swap(&list, &neighbours)
        swap(&picked, &chosen)
        defer {
            swap(&list, &neighbours)
            swap(&picked, &chosen)
        }
        let count: Int
        if blockReady && excluded < 0 {
            count = scanCandidates(px, py, capacity: min(want, field.count), limit: radius * radius)
        } else {
            count = field.index.nearest(px, py, k: min(want, field.count), maxDistance2: radius * radius, into: &list)
        }
        picked.removeAll(keepingCapacity: true)
        if blockReady && excluded < 0 {
            for position in 0..<count { picked.append(Int(bestIndices[position])) }
        } else {
            for position in 0..<count where Int(list.indices[position]) != excluded && picked.count < k {
                picked.append(Int(list.indices[position]))
            }
        }
        picked.sort()
    }

    /// The `capacity` best block candidates for (px, py) within squared distance `limit`, by (distance², index), into
    /// `bestDistances2`/`bestIndices` (the rule of NeighbourList, over raw buffers); returns how many.
    private func scanCandidates(_ px: Double, _ py: Double, capacity: Int, limit: Double) -> Int {
        if bestIndices.count < capacity {
            bestIndices = [Int32](repeating: 0, count: capacity)
            bestDistances2 = [Double](repeating: 0, count: capacity)
        }
        var count = 0
        bestDistances2.withUnsafeMutableBufferPointer { bestD in
            bestIndices.withUnsafeMutableBufferPointer { bestI in
                candidateX.withUnsafeBufferPointer { xs in
                    candidateY.withUnsafeBufferPointer { ys in
                        candidates.withUnsafeBufferPointer { ids in
                            var bound = limit
                            for position in 0..<xs.count {
                                let dx = xs[position] - px, dy = ys[position] - py
                                let d2 = dx * dx + dy * dy
                                guard d2 <= bound else { continue }
                                let id = ids[position]
                                if count == capacity {
                                    if d2 == bestD[count - 1] && id > bestI[count - 1] { continue }
                                    count -= 1
                                }
                                var slot = count
                                while slot > 0, bestD[slot - 1] > d2 || (bestD[slot - 1] == d2 && bestI[slot - 1] > id) {
                                    bestD[slot] = bestD[slot - 1]
                                    bestI[slot] = bestI[slot - 1]
                                    slot -= 1
                                }
                                bestD[slot] = d2
                                bestI[slot] = id
                                count += 1
                                if count == capacity { bound = bestD[count - 1] }
                            }
                        }
                    }
                }
            }
        }
        return count
    }

    /// The points inside the search ellipse; with maxPoints > 0, only the closest ones (ties by index).
    private func selectInEllipse(_ px: Double, _ py: Double, _ ellipse: GridAlgorithm.SearchEllipse, maxPoints: Int, excluding excluded: Int) {
        let radius = ellipse.boundingRadius
        field.index.within(px, py, radius2: radius * radius, into: &found)
        let angle = ellipse.angle * Double.pi / 180
        let cosine = cos(angle), sine = sin(angle)
        chosen.removeAll(keepingCapacity: true)
        for candidate in found {
            let point = Int(candidate)
            guard point != excluded else { continue }
            if ellipse.contains(dx: field.x[point] - px, dy: field.y[point] - py, cosine: cosine, sine: sine) { chosen.append(point) }
        }
        if maxPoints > 0, chosen.count > maxPoints {
            func distance2(_ point: Int) -> Double {
                let dx = field.x[point] - px, dy = field.y[point] - py
                return dx * dx + dy * dy
            }
            chosen.sort { distance2($0) != distance2($1) ? distance2($0) < distance2($1) : $0 < $1 }
            chosen.removeLast(chosen.count - maxPoints)
        }
        chosen.sort()
    }

    /// gdal_grid's inverse distance to a power: weight 1 / (d² + smoothing²)^(power/2); a point at the cell gives
    /// its own value.
    private func inverseDistance(_ px: Double, _ py: Double, power: Double, smoothing: Double) -> Double {
        guard !chosen.isEmpty else { return .nan }
        let smoothing2 = smoothing * smoothing, halfPower = power / 2
        var numerator = 0.0, denominator = 0.0
        for point in chosen {
            let dx = field.x[point] - px, dy = field.y[point] - py
            let r2 = dx * dx + dy * dy + smoothing2
            if r2 < Self.coincident2 { return field.z[point] }
            let weight = halfPower == 1 ? 1 / r2 : 1 / pow(r2, halfPower)
            numerator += weight * field.z[point]
            denominator += weight
        }
        return numerator / denominator
    }
}
