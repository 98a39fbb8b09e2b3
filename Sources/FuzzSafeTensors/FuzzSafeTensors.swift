// FuzzSafeTensors: the safetensors reader (header and data) on arbitrary bytes.

import Engine
import Foundation
import FuzzSupport

func parse(_ data: Data) throws {
    let file = try SafeTensorsFile(data: data, path: "fuzz.safetensors")
    // Reading every tensor checks that the validated ranges really lie inside the data.
    for (name, info) in file.tensors {
        _ = try file.floats(name)
        if info.dtype == .i64 { _ = try file.int64s(name) }
    }
}

@main enum Fuzz { static func main() { FuzzInput.main(parse) } }
