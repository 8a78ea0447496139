import FieldClient
import FieldModel
import Foundation

/// The photos of a shift end: every `photoEvery`th engineer takes 1–3 on their first tickets,
/// of seeded sizes; each file is written once, of fresh random bytes (a new blob), and
/// attached by both sets of tablets (through the depot, and straight to central).
struct ShiftPhotos {
    struct Photo {
        let engineer: Int
        let ticket: String
        let path: String
        let bytes: Int
    }

    let photos: [Photo]
    var bytes: Int { photos.reduce(0) { $0 + $1.bytes } }
    var megabytes: Double { Double(bytes) / 1_000_000 }

    static func make(_ days: [EngineerDay], shape: DepotShape, in dir: TempDirectory) throws -> ShiftPhotos {
        guard shape.photoEvery > 0 else { return ShiftPhotos(photos: []) }
        var rng = SplitMix64(seed: shape.seed)
        var photos: [Photo] = []
        for day in days where day.engineer % shape.photoEvery == 0 {
            let count = rng.int(shape.photosPerEngineer)
            for i in 0..<count {
                let ticket = day.morning[i % day.morning.count].subject.rawValue
                let path = dir.file("photo-e\(day.engineer)-\(i).jpg")
                let bytes = rng.int(shape.photoBytes)
                try RandomFile.write(path, bytes: bytes)
                photos.append(Photo(engineer: day.engineer, ticket: ticket, path: path, bytes: bytes))
            }
        }
        return ShiftPhotos(photos: photos)
    }

    /// Each engineer's tablet attaches their photos (recorded offline, as `fieldsync photo`
    /// does); returns how many ops that recorded and the photos' SHA-256 (hex).
    func attach(to tablets: Depot) throws -> (ops: Int, digests: [String]) {
        var ops = 0
        var digests: [String] = []
        for photo in photos {
            guard let tablet = tablets.replicas[photo.engineer] else { throw BenchError("no tablet for E\(photo.engineer)") }
            let recorded = try tablet.attachPhoto(ticket: photo.ticket, file: photo.path, caption: "site photo")
            ops += recorded.ops.count
            guard let sha = recorded.sha256 else { throw BenchError("attaching \(photo.path) named no SHA-256") }
            digests.append(sha)
        }
        return (ops, digests)
    }
}
