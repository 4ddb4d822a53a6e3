import Foundation

/// Ordinary kriging at one place from a set of points: solves
///   Γ λ + μ 1 = γ₀,  1ᵀ λ = 1
/// (Γ: semivariances between the points, 0 on the diagonal; γ₀: semivariances to the place), giving the
/// estimate λᵀz and the kriging variance λᵀγ₀ + μ, as PyKrige and gstat define them. A point at the place
/// (within 1e-10) has semivariance 0 to it, so it is reproduced with variance 0.
///
/// Nearby cells share their neighbour sets, and a sweep over a block comes back to the sets of the row before, so
/// the inverses of many systems are kept: a direct-mapped cache keyed by the set in ascending point order. A cell
/// then costs its semivariances, a dot product and a quadratic form, in whole SIMD lanes (no chain of dependent
/// additions, unlike triangular solves).
/// A set's inverse is computed from that canonical set alone, so a cached entry holds exactly the bits a
/// recomputation would give, and no result depends on the order cells are visited in (threads, strips).
final class KrigingSystem {
    let variogram: VariogramModel
    let field: SurveyField
    /// The most points a set can have (the k of the neighbourhood, at most the point count).
    let capacity: Int
    /// The cache, sized for the largest set met so far (a radius alone can allow every point, while sets hold a
    /// few tens): it grows by doubling, and starts afresh then, which changes no result.
    private var store: Store
    /// Systems inverted (a cache miss each); for tests and profiling.
    private(set) var inversions = 0
    var slotCount: Int { store.slotCount }

    /// Bytes of cache per estimator (≈ 1,000 systems of 16 points); always at least one slot.
    static let cacheBudget = 4 << 20
    static let maxSlots = 1024

    /// `capacity`: the most points any set will have (the k of the neighbourhood, at most the point count).
    init(variogram: VariogramModel, field: SurveyField, capacity: Int) {
        self.variogram = variogram
        self.field = field
        self.capacity = max(1, capacity)
        store = Store(capacity: min(self.capacity, 64))
    }

    /// Per slot, raw buffers because this is the inner loop of every kriged cell (10^6-10^7 of them): the set
    /// (ascending point indices) and its size (-1: empty slot), whether its system is singular, the inverse of
    /// its bordered system (rows padded with zeros to a multiple of 4: whole SIMD lanes), and the points' x, y
    /// and z (each padded with zeros likewise); scratch for the semivariances to the place and the pivot rows.
    /// Constant fields, read once per call: no exclusivity checks in the loops.
    private final class Store {
        /// Points per set, row length (the bordered size rounded up to 4), slots (a power of two) and the shift
        /// that maps a 64-bit hash onto them.
        let capacity: Int
        let rowCapacity: Int
        let slotCount: Int
        let slotShift: UInt64
        let keys: UnsafeMutablePointer<Int32>
        let counts: UnsafeMutablePointer<Int>
        let singular: UnsafeMutablePointer<Bool>
        let inverses: UnsafeMutablePointer<Double>
        let coordinates: UnsafeMutablePointer<Double>
        let rhs: UnsafeMutablePointer<Double>
        let pivots: UnsafeMutablePointer<Int>

        init(capacity: Int) {
            self.capacity = capacity
            rowCapacity = KrigingSystem.padded(capacity + 1)
            let entryBytes = rowCapacity * rowCapacity * 8 + capacity * 4 + 3 * rowCapacity * 8 + 16
            var slots = 1
            while slots * 2 <= KrigingSystem.maxSlots && slots * 2 * entryBytes <= KrigingSystem.cacheBudget { slots *= 2 }
            slotCount = slots
            slotShift = UInt64(64 - slots.trailingZeroBitCount)
            keys = .allocate(capacity: slots * capacity)
            counts = .allocate(capacity: slots)
            counts.initialize(repeating: -1, count: slots)
            singular = .allocate(capacity: slots)
            singular.initialize(repeating: false, count: slots)
            inverses = KrigingSystem.allocateLanes(slots * rowCapacity * rowCapacity)
            coordinates = KrigingSystem.allocateLanes(slots * 3 * rowCapacity)
            coordinates.initialize(repeating: 0, count: slots * 3 * rowCapacity)
            rhs = KrigingSystem.allocateLanes(rowCapacity)
            pivots = .allocate(capacity: rowCapacity)
        }

        deinit {
            keys.deallocate(); counts.deallocate(); singular.deallocate(); inverses.deallocate()
            coordinates.deallocate(); rhs.deallocate(); pivots.deallocate()
        }
    }

    /// Doubles on a 32-byte boundary: rows of whole SIMD4 lanes never straddle cache lines needlessly.
    fileprivate static func allocateLanes(_ count: Int) -> UnsafeMutablePointer<Double> {
        UnsafeMutableRawPointer.allocate(byteCount: max(1, count) * 8, alignment: 32).bindMemory(to: Double.self, capacity: count)
    }

    /// Semivariances of four squared distances: the bits of `VariogramModel.semivariance` of their square roots
    /// (IEEE square root and division are exact roundings, and the operations are the same, in the same order).
    @inline(__always)
    private func semivariances(_ d2: SIMD4<Double>) -> SIMD4<Double> {
        let h = d2.squareRoot()
        var gamma: SIMD4<Double>
        switch variogram.kind {
        case .spherical:
            let ratio = h / variogram.range
            var shape = 1.5 * ratio - 0.5 * ratio * ratio * ratio
            shape.replace(with: 1, where: h .>= variogram.range)
            gamma = variogram.nugget + variogram.partialSill * shape
            gamma.replace(with: 0, where: h .<= VariogramModel.samePlace)
        case .exponential, .gaussian:
            gamma = SIMD4(variogram.semivariance(h[0]), variogram.semivariance(h[1]), variogram.semivariance(h[2]), variogram.semivariance(h[3]))
        }
        return gamma
    }

    @inline(__always)
    fileprivate static func padded(_ size: Int) -> Int { (size + 3) & ~3 }

    /// Kriging from the points `chosen` (ascending, at most `capacity`).
    func estimate(_ px: Double, _ py: Double, points chosen: [Int]) -> (value: Double, variance: Double) {
        var key = [Int32](repeating: 0, count: chosen.count)
        for (position, point) in chosen.enumerated() { key[position] = Int32(point) }
        return key.withUnsafeBufferPointer { estimate(px, py, slot: slot(for: $0)) }
    }

    /// The cache slot holding the inverse of the system of `points` (ascending point indices, 1...capacity of
    /// them), computing it there if it is not cached. The slot stays valid until the next call.
    func slot(for points: UnsafeBufferPointer<Int32>) -> Int {
        let n = points.count
        precondition(n >= 1 && n <= self.capacity, "kriging: \(n) points in a set of at most \(self.capacity)")
        if n > self.store.capacity { self.store = Store(capacity: min(self.capacity, max(n, 2 * self.store.capacity))) }
        let current = self.store, keys = current.keys, counts = current.counts
        let slotCount = current.slotCount, slotShift = current.slotShift
        // FNV-1a over the indices, then a multiplicative spread onto the slots.
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for point in points { hash = (hash ^ UInt64(UInt32(bitPattern: point))) &* 0x100_0000_01B3 }
        let slot = slotCount == 1 ? 0 : Int((hash &* 0x9E37_79B9_7F4A_7C15) >> slotShift)
        if counts[slot] == n {
            let key = keys + slot * current.capacity
            var same = true
            for position in 0..<n where key[position] != points[position] { same = false; break }
            if same { return slot }
        }
        invert(points, into: slot)
        return slot
    }

    /// The estimate and variance at (px, py) from the set in `slot`; NaN when its system is singular.
    /// With b = [γ₀; 1]: the estimate λᵀz = wᵀb (w = A⁻ᵀ[z; 0], kept per set) and the variance bᵀA⁻¹b, a quadratic
    /// form on the upper triangle of the symmetrised inverse (half the products of A⁻¹b).
    func estimate(_ px: Double, _ py: Double, slot: Int) -> (value: Double, variance: Double) {
        let store = self.store, rowCapacity = store.rowCapacity, coordinates = store.coordinates, rhs = store.rhs
        guard !store.singular[slot] else { return (.nan, .nan) }
        let n = store.counts[slot], size = n + 1, width = Self.padded(size)
        let xs = UnsafeRawPointer(coordinates + slot * 3 * rowCapacity)
        let ys = xs + rowCapacity * 8, ws = ys + rowCapacity * 8
        let b = UnsafeMutableRawPointer(rhs)
        let x4 = SIMD4(repeating: px), y4 = SIMD4(repeating: py)
        var value = SIMD4<Double>()
        for offset in Swift.stride(from: 0, to: width * 8, by: 32) {
            let first = offset / 8
            var gamma: SIMD4<Double>
            if first < n {
                let dx = xs.load(fromByteOffset: offset, as: SIMD4<Double>.self) - x4
                let dy = ys.load(fromByteOffset: offset, as: SIMD4<Double>.self) - y4
                gamma = semivariances(dx * dx + dy * dy)
            } else {
                gamma = SIMD4()
            }
            gamma = Self.bordered(gamma, first: first, n: n)
            b.storeBytes(of: gamma, toByteOffset: offset, as: SIMD4<Double>.self)
            value += gamma * ws.load(fromByteOffset: offset, as: SIMD4<Double>.self)
        }
        // Column block c of the upper triangle U, times b, holds the terms of rows 0...4c+3 only.
        let upper = UnsafeRawPointer(store.inverses + slot * rowCapacity * rowCapacity)
        let rowBytes = width * 8
        var variance = SIMD4<Double>()
        for offset in Swift.stride(from: 0, to: rowBytes, by: 32) {
            var sum = SIMD4<Double>()
            var entry = upper + offset
            for row in 0..<min(size, offset / 8 + 4) {
                sum += entry.load(as: SIMD4<Double>.self) * SIMD4(repeating: rhs[row])
                entry += rowBytes
            }
            variance += sum * UnsafeRawPointer(b).load(fromByteOffset: offset, as: SIMD4<Double>.self)
        }
        return ((value[0] + value[1]) + (value[2] + value[3]), (variance[0] + variance[1]) + (variance[2] + variance[3]))
    }

    /// Lanes first...first+3 of a row of the bordered system: the semivariances up to n - 1, 1 at n, 0 beyond.
    @inline(__always)
    private static func bordered(_ gamma: SIMD4<Double>, first: Int, n: Int) -> SIMD4<Double> {
        // Int64 lanes: the mask type of SIMD4<Double>.
        let lanes = SIMD4<Int64>(0, 1, 2, 3) &+ Int64(first), border = SIMD4(repeating: Int64(n))
        var result = gamma
        result.replace(with: 1, where: lanes .== border)
        result.replace(with: 0, where: lanes .> border)
        return result
    }

    /// The inverse of the bordered (n+1)² system of `chosen` by Gauss-Jordan elimination in place with partial
    /// pivoting (the pivots of an LU factorisation), stored in `slot` (see the fields).
    private func invert(_ chosen: UnsafeBufferPointer<Int32>, into slot: Int) {
        inversions += 1
        let store = self.store, capacity = store.capacity, rowCapacity = store.rowCapacity, keys = store.keys
        let counts = store.counts, singular = store.singular, coordinates = store.coordinates, rhs = store.rhs
        let n = chosen.count, size = n + 1, width = Self.padded(size)
        counts[slot] = n
        let key = keys + slot * capacity
        let xs = coordinates + slot * 3 * rowCapacity, ys = xs + rowCapacity, zs = ys + rowCapacity
        field.x.withUnsafeBufferPointer { fx in
            field.y.withUnsafeBufferPointer { fy in
                field.z.withUnsafeBufferPointer { fz in
                    for position in 0..<n {
                        let point = Int(chosen[position])
                        key[position] = chosen[position]
                        xs[position] = fx[point]
                        ys[position] = fy[point]
                        zs[position] = fz[point]
                    }
                }
            }
        }
        for position in n..<width { xs[position] = 0; ys[position] = 0; zs[position] = 0 }
        let a = store.inverses + slot * rowCapacity * rowCapacity
        // Row i from its aligned block of 4 holding i onwards (the blocks before are the mirror of rows above):
        // γ(x_j - x_i), the same bits as γ(x_i - x_j), so the matrix is symmetric to the bit.
        let rowBytes = width * 8
        let xLanes = UnsafeRawPointer(xs), yLanes = UnsafeRawPointer(ys)
        for i in 0..<size {
            let row = UnsafeMutableRawPointer(a + i * width)
            let xi = SIMD4(repeating: xs[i]), yi = SIMD4(repeating: ys[i])
            for offset in Swift.stride(from: (i / 4) * 32, to: rowBytes, by: 32) {
                let first = offset / 8
                var gamma: SIMD4<Double>
                if i == n {
                    gamma = SIMD4(repeating: 1)
                    gamma.replace(with: 0, where: SIMD4<Int64>(0, 1, 2, 3) &+ Int64(first) .>= SIMD4(repeating: Int64(n)))
                } else if first < n {
                    let dx = xLanes.load(fromByteOffset: offset, as: SIMD4<Double>.self) - xi
                    let dy = yLanes.load(fromByteOffset: offset, as: SIMD4<Double>.self) - yi
                    gamma = Self.bordered(semivariances(dx * dx + dy * dy), first: first, n: n)
                } else {
                    gamma = Self.bordered(SIMD4(), first: first, n: n)
                }
                row.storeBytes(of: gamma, toByteOffset: offset, as: SIMD4<Double>.self)
            }
        }
        for i in 0..<size {
            for j in 0..<((i / 4) * 4) { a[i * width + j] = a[j * width + i] }
        }
        singular[slot] = false
        let pivots = store.pivots
        for column in 0..<size {
            var pivot = column, largest = abs(a[column * width + column])
            for row in (column + 1)..<max(column + 1, size) where abs(a[row * width + column]) > largest {
                largest = abs(a[row * width + column])
                pivot = row
            }
            guard largest > 1e-300 else { singular[slot] = true; return }
            pivots[column] = pivot
            let pivotRow = a + column * width
            let source = UnsafeMutableRawPointer(pivotRow)
            if pivot != column {
                let other = UnsafeMutableRawPointer(a + pivot * width)
                for offset in Swift.stride(from: 0, to: rowBytes, by: 32) {
                    let swapped = source.load(fromByteOffset: offset, as: SIMD4<Double>.self)
                    source.storeBytes(of: other.load(fromByteOffset: offset, as: SIMD4<Double>.self), toByteOffset: offset, as: SIMD4<Double>.self)
                    other.storeBytes(of: swapped, toByteOffset: offset, as: SIMD4<Double>.self)
                }
            }
            // The pivot's place takes the identity's column (the inverse is built where the matrix was): it becomes
            // 1 x reciprocal, the others a - f·reciprocal and 0 - f·reciprocal. Those single places are written after
            // the lanes, never before: a scalar store just ahead of wide loads of the same row stalls them.
            let scalar = 1 / pivotRow[column], reciprocal = SIMD4(repeating: scalar)
            for offset in Swift.stride(from: 0, to: rowBytes, by: 32) {
                source.storeBytes(of: source.load(fromByteOffset: offset, as: SIMD4<Double>.self) * reciprocal, toByteOffset: offset, as: SIMD4<Double>.self)
            }
            pivotRow[column] = scalar
            for row in 0..<size where row != column {
                // Whole SIMD4 lanes (the padding stays 0); each element is the same a - f·b.
                let target = a + row * width
                let factor = target[column]
                if factor != 0 {
                    let f = SIMD4(repeating: factor), lanes = UnsafeMutableRawPointer(target)
                    for offset in Swift.stride(from: 0, to: rowBytes, by: 32) {
                        let updated = lanes.load(fromByteOffset: offset, as: SIMD4<Double>.self) - f * source.load(fromByteOffset: offset, as: SIMD4<Double>.self)
                        lanes.storeBytes(of: updated, toByteOffset: offset, as: SIMD4<Double>.self)
                    }
                    target[column] = 0 - factor * scalar
                }
            }
        }
        // Row swaps of A are column swaps of its inverse, undone last to first.
        for column in Swift.stride(from: size - 1, through: 0, by: -1) where pivots[column] != column {
            let other = pivots[column]
            for row in 0..<size {
                let swapped = a[row * width + column]; a[row * width + column] = a[row * width + other]; a[row * width + other] = swapped
            }
        }
        // w = Σ z_i (row i of A⁻¹), for the estimate; it takes z's place in the slot.
        let w = UnsafeMutableRawPointer(rhs)
        for offset in Swift.stride(from: 0, to: rowBytes, by: 32) {
            var sum = SIMD4<Double>()
            for i in 0..<n { sum += UnsafeRawPointer(a + i * width).load(fromByteOffset: offset, as: SIMD4<Double>.self) * SIMD4(repeating: zs[i]) }
            w.storeBytes(of: sum, toByteOffset: offset, as: SIMD4<Double>.self)
        }
        for position in 0..<width { zs[position] = rhs[position] }
        // The quadratic form's upper triangle: U_ii = A⁻¹_ii, U_ij = A⁻¹_ij + A⁻¹_ji above the diagonal, 0 below.
        for i in 0..<size {
            for j in (i + 1)..<max(i + 1, size) {
                a[i * width + j] += a[j * width + i]
                a[j * width + i] = 0
            }
        }
    }
}
