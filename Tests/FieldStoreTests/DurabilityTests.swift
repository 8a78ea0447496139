import FieldModel
import FieldStore
import Testing

/// Every commit is on disk before it is acknowledged, on a device's store and on a node's
/// (whose pool of readers GRDB sets up: it set its writer to `synchronous = NORMAL`, and a
/// push a node acknowledged could be lost with the machine's power).
@Suite struct DurabilityTests {
    @Test(arguments: [false, true])
    func theWriterSyncsEveryCommit(concurrentReads: Bool) throws {
        let r = try TempReplica(replica: "node-test")
        let path = r.dir + "/replica.sqlite"
        let store = try ReplicaStore.open(at: path, concurrentReads: concurrentReads)
        #expect(try store.writerSynchronous() == 2)  // FULL
    }
}
