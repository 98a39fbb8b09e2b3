// The inverse of KittyEncoder and ITermEncoder: what a terminal would make of the bytes. Kept
// next to the encoders so the tests check the bytes actually sent, decoded the way the
// protocols define them, against the pictures the engine made.

import Imaging

/// A kitty graphics command: its keys and its (base64-decoded) payload.
struct KittyCommand: Equatable {
    var keys: [String: String]
    var payload: [UInt8]
}

enum GraphicsPayloads {
    /// Every kitty graphics command in `bytes`, chunked transmissions (`m=1` … `m=0`) joined
    /// into one command with the keys of their first chunk.
    static func kittyCommands(in bytes: [UInt8]) -> [KittyCommand]? {
        var commands: [KittyCommand] = []
        var open: KittyCommand?
        for body in TerminalReplies.applicationCommands(in: bytes) where body.first == UInt8(ascii: "G") {
            let rest = body.dropFirst()
            let split = rest.firstIndex(of: UInt8(ascii: ";")) ?? rest.endIndex
            var keys: [String: String] = [:]
            for pair in String(decoding: rest[rest.startIndex..<split], as: UTF8.self).split(separator: ",") {
                let kv = pair.split(separator: "=", maxSplits: 1)
                guard kv.count == 2 else { return nil }
                keys[String(kv[0])] = String(kv[1])
            }
            guard let data = Base64.decode(split < rest.endIndex ? rest[(split + 1)...] : rest[split...]) else { return nil }
            if var current = open {
                current.payload += data
                open = current
            } else {
                open = KittyCommand(keys: keys, payload: data)
            }
            if keys["m"] != "1" {
                commands.append(open!)
                open = nil
            }
        }
        return open == nil ? commands : nil
    }

    /// The picture and the arguments of an iTerm2 inline image (`OSC 1337 ; File = args : data BEL`).
    static func itermImage(in bytes: [UInt8]) throws -> (arguments: [String: String], image: RGBImage)? {
        let prefix = Array("\u{1B}]1337;File=".utf8)
        guard bytes.starts(with: prefix), let colon = bytes.firstIndex(of: UInt8(ascii: ":")),
              let bell = bytes.lastIndex(of: 0x07), colon < bell else { return nil }
        var arguments: [String: String] = [:]
        for pair in String(decoding: bytes[prefix.count..<colon], as: UTF8.self).split(separator: ";") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { arguments[String(kv[0])] = String(kv[1]) }
        }
        guard let png = Base64.decode(bytes[(colon + 1)..<bell]) else { return nil }
        return (arguments, try PNGCodec.decode(png))
    }
}
