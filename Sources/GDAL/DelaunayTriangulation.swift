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
