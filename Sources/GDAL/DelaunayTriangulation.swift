import CGDAL

/// GDAL's Delaunay triangulation of a point set (qhull underneath), with each triangle's barycentric
/// coefficients: what gdal_grid's `linear` algorithm interpolates in. Read-only once built, so workers share it.
public final class DelaunayTriangulation: @unchecked Sendable {
    private let handle: UnsafeMutablePointer<GDALTriangulation>

    /// Triangulates the points; throws when GDAL cannot (fewer than 3 points, all on one line, no qhull).
    public init(x: [Double], y: [Double]) throws {
        GDALRuntime.ensureInitialized()
        guard x.count == y.count, x.count >= 3 else {
            throw GDALError(function: "GDALTriangulationCreateDelaunay", path: nil, message: "a triangulation needs 3 points or more")
        }
        guard GDALHasTriangulation() != 0 else {
            throw GDALError(function: "GDALHasTriangulation", path: nil, message: "this GDAL was built without qhull: no triangulation")
        }
        // qhull writes pages of diagnostics to stderr when it fails; the usual cause is refused here first.
        guard Self.spansAnArea(x: x, y: y) else {
            throw GDALError(function: "GDALTriangulationCreateDelaunay", path: nil, message: "the points all lie on one line: no triangle")
        }
        CPLErrorReset()
        guard let created = GDALTriangulationCreateDelaunay(Int32(x.count), x, y) else {
            throw GDALError.fromLastError(function: "GDALTriangulationCreateDelaunay", path: nil,
                                          fallback: "the points cannot be triangulated (all on one line?)")
        }
        // Freed on the failure path too: the handle is ours from here on.
        guard GDALTriangulationComputeBarycentricCoefficients(created, x, y) != 0 else {
            GDALTriangulationFree(created)
            throw GDALError.fromLastError(function: "GDALTriangulationComputeBarycentricCoefficients", path: nil,
                                          fallback: "degenerate triangles (points all on one line?)")
        }
        handle = created
    }

    deinit { GDALTriangulationFree(handle) }

    /// Whether some three points make a triangle of non-negligible area (relative to the points' extent).
    static func spansAnArea(x: [Double], y: [Double]) -> Bool {
        guard let minX = x.min(), let maxX = x.max(), let minY = y.min(), let maxY = y.max() else { return false }
        let extent = max(maxX - minX, maxY - minY)
        guard extent > 0 else { return false }
        // The point farthest from the first one fixes the line's direction; any point well off it makes a triangle.
        var far = 0, farthest = 0.0
        for index in x.indices {
            let d2 = (x[index] - x[0]) * (x[index] - x[0]) + (y[index] - y[0]) * (y[index] - y[0])
            if d2 > farthest { farthest = d2; far = index }
        }
        let dx = x[far] - x[0], dy = y[far] - y[0]
        for index in x.indices where abs(dx * (y[index] - y[0]) - dy * (x[index] - x[0])) > 1e-12 * extent * extent {
            return true
        }
        return false
    }

    public var facetCount: Int { Int(handle.pointee.nFacets) }

    /// The three point indices of a facet (triangle).
    public func vertices(ofFacet facet: Int) -> (Int, Int, Int) {
        let indices = handle.pointee.pasFacets[facet].anVertexIdx
        return (Int(indices.0), Int(indices.1), Int(indices.2))
    }

    /// The facet holding (x, y), walking from `start` (GDALTriangulationFindFacetDirected, as gdal_grid does);
    /// `found` is nil outside the convex hull. `last` is the facet the walk ended on (a good next start), or nil.
    public func facet(containingX x: Double, y: Double, startingFrom start: Int) -> (found: Int?, last: Int?) {
        var output: Int32 = -1
        let inside = GDALTriangulationFindFacetDirected(handle, Int32(start), x, y, &output) != 0
        let last = output >= 0 ? Int(output) : nil
        return (inside ? last : nil, last)
    }

    /// The barycentric coordinates of (x, y) in a facet, in the order of `vertices(ofFacet:)`.
    public func barycentric(x: Double, y: Double, facet: Int) -> (Double, Double, Double) {
        var l1 = 0.0, l2 = 0.0, l3 = 0.0
        _ = GDALTriangulationComputeBarycentricCoordinates(handle, Int32(facet), x, y, &l1, &l2, &l3)
        return (l1, l2, l3)
    }
}
