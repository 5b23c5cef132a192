import DatasetStore
import Foundation
import ImageCodec

/// COCO's JSON, typed. Every entry of a list decodes on its own: a malformed one becomes a problem
/// naming it and the rest is read (a whole file never fails on one bad annotation).
public struct CocoLabelsFile: Decodable, Sendable {
  public let images: [Lossy<CocoImageRecord>]?
  public let categories: [Lossy<CocoCategoryRecord>]?
  public let annotations: [Lossy<CocoAnnotationRecord>]?
}

/// A list entry that may not decode: its value, or why not.
public struct Lossy<T: Decodable & Sendable>: Decodable, Sendable {
  public let value: T?
  public let error: String?

  public init(from decoder: any Decoder) throws {
    do {
      value = try T(from: decoder)
      error = nil
    } catch {
      value = nil
      self.error = CocoJSON.describe(error)
    }
  }
}

public struct CocoImageRecord: Decodable, Sendable {
  public let id: Int?
  public let fileName: String?
  public let width: Int?
  public let height: Int?
  enum CodingKeys: String, CodingKey { case id, width, height, fileName = "file_name" }
}

public struct CocoCategoryRecord: Decodable, Sendable {
  public let id: Int?
  public let name: String?
  public let isthing: Int?
}

/// An annotation of a labels file, or a result of a results file (with a score and maybe a box).
public struct CocoAnnotationRecord: Decodable, Sendable {
  public let id: Int?
  public let imageId: Int?
  public let categoryId: Int?
  public let segmentation: CocoSegmentation?
  public let area: Double?
  public let iscrowd: Int?
  public let score: Double?
  public let bbox: [Double]?
  enum CodingKeys: String, CodingKey { case id, segmentation, area, iscrowd, score, bbox, imageId = "image_id", categoryId = "category_id" }
}

/// Polygons, or RLE with compressed (string) or uncompressed (list) counts; what is neither is kept
/// as `.invalid` so that the annotation is reported, not the file.
public enum CocoSegmentation: Decodable, Sendable {
  case polygons([[Double]])
  case rle(size: [Int], counts: Counts)
  case invalid(String)

  public enum Counts: Sendable {
    case compressed(String)
    case uncompressed([Int])
  }

  enum RLEKeys: String, CodingKey { case size, counts }

  public init(from decoder: any Decoder) throws {
    if let polys = try? decoder.singleValueContainer().decode([[Double]].self) {
      self = .polygons(polys)
      return
    }
    guard let c = try? decoder.container(keyedBy: RLEKeys.self), let size = try? c.decode([Int].self, forKey: .size) else {
      self = .invalid("segmentation is neither polygons nor RLE")
      return
    }
    if let s = try? c.decode(String.self, forKey: .counts) {
      self = .rle(size: size, counts: .compressed(s))
    } else if let list = try? c.decode([Int].self, forKey: .counts) {
      self = .rle(size: size, counts: .uncompressed(list))
    } else {
      self = .invalid("RLE without counts")
    }
  }
}

public enum CocoJSON {
  /// Decodes a JSON file of a regular file's bytes (bounded size); errors name the file.
  public static func read<T: Decodable>(_ type: T.Type, path: String, name: String) throws -> T {
    let bytes: [UInt8]
    do { bytes = try FileBytes.read(path) } catch { throw StoreError.invalid("\(name): \(error.kind.reasonText)") }
    do {
      return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch {
      throw StoreError.invalid("\(name): malformed JSON (\(describe(error)))")
    }
  }

  /// A decoding error in a sentence: what was wrong, and where.
  static func describe(_ error: any Error) -> String {
    func at(_ path: [any CodingKey]) -> String {
      path.isEmpty ? "" : " at " + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
    switch error as? DecodingError {
    case .typeMismatch(let t, let c)?: return "expected \(t)\(at(c.codingPath))"
    case .valueNotFound(let t, let c)?: return "missing \(t)\(at(c.codingPath))"
    case .keyNotFound(let k, let c)?: return "missing '\(k.stringValue)'\(at(c.codingPath))"
    case .dataCorrupted(let c)?: return (c.underlyingError.map { "\($0)" } ?? c.debugDescription) + at(c.codingPath)
    default: return "\(error)"
    }
  }
}
