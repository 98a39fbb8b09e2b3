// ExportJob: what an export writes, as plain values the reducer can emit, and
// where the file goes (auto-numbered names in the export folder).

import Engine
import Foundation
import Imaging
import Sheets

/// One export: the current view, or one of the CLI's figures from the current state.
enum ExportJob: Sendable, Equatable {
    /// The picture in the face view as shown (face, overlay or sheet), at export size.
    case view(path: String?)
    /// SeedGrid: the current recipe at several seeds.
    case grid(seeds: [UInt64], columns: Int, size: Int, base: Recipe, path: String?)
    /// WalkStrip: the current recipe walked along one direction.
    case walk(base: Recipe, direction: String, from: Float, to: Float, steps: Int,
              layers: ClosedRange<Int>?, tokens: [Int]?, size: Int, path: String?)
    /// MixMatrix: rows take the columns' styles at some layers or tokens.
    case mix(rows: [UInt64], columns: [UInt64], target: MixMatrix.Target, base: Recipe, size: Int, path: String?)
    /// AttentionSheet: heads x tokens of one layer.
    case attention(recipe: Recipe, layer: Int, head: HeadChoice, size: Int, colormap: Colormap, path: String?)

    /// The kind, for file names and progress ("grid", "walk", ...).
    var kind: String {
        switch self {
        case .view: "view"
        case .grid: "grid"
        case .walk: "walk"
        case .mix: "mix"
        case .attention: "attention"
        }
    }

    /// The path the user gave, if any.
    var requestedPath: String? {
        switch self {
        case .view(let p), .grid(_, _, _, _, let p), .walk(_, _, _, _, _, _, _, _, let p),
             .mix(_, _, _, _, _, let p), .attention(_, _, _, _, _, let p): p
        }
    }
}

/// Where exports go.
enum ExportNaming {
    /// The first free `latentscope-KIND-NNNN.png` in `folder` (NNNN from 0001), so
    /// repeated exports never overwrite each other.
    static func nextPath(kind: String, folder: String, fileManager: FileManager = .default) -> String {
        var n = 1
        while true {
            let name = "latentscope-\(kind)-" + String(format: "%04d", n) + ".png"
            let path = (folder as NSString).appendingPathComponent(name)
            if !fileManager.fileExists(atPath: path) { return path }
            n += 1
        }
    }

    /// The path a job writes: the one it names (relative to the current directory),
    /// else the next free name in `folder`.
    static func path(for job: ExportJob, folder: String) -> String {
        if let p = job.requestedPath, !p.isEmpty { return (p as NSString).expandingTildeInPath }
        return nextPath(kind: job.kind, folder: folder)
    }
}
