import FieldModel
import FieldStore

/// A walk through the model with no network: central dispatches a ticket, the engineer's
/// tablet goes offline, both edit the priority, the engineer works the job, then the two
/// replicas exchange ops and agree, with the priority conflict listed for a person.
public enum ModelDemo {
    public static func run(startMillis: UInt64 = 1_795_424_400_000) -> String {
        var out: [String] = []
        var central = OpMaker(clock: HybridClock(replica: ReplicaID("central")!))
        var tablet = OpMaker(clock: HybridClock(replica: ReplicaID("e17-tablet")!))
        var centralState = ReplicaState(), tabletState = ReplicaState()
        var centralOps: [Op] = [], tabletOps: [Op] = []
        var now = startMillis

        let created = central.createTicket(
            TicketCreated(
                customer: "Acme Foods", site: "Plant 3, cold store", asset: "CH-0192", deviceModel: "Chiller X2",
                category: "repair", fault: "Compressor trips on high pressure", priority: "normal", assignee: "E17",
                at: now), now: now)
        let id = created.subject
        centralState.apply(created)
        tabletState.apply(created)
        tablet.observe(created.stamp, now: now)
        out.append("1. Central dispatches \(id) to E17; the tablet pulls it, then loses signal.")

        func onTablet(_ make: (Ticket) -> OpBody, minutes: UInt64) {
            now += minutes * 60_000
            let op = tablet.make(make(tabletState.tickets[id]!), on: id, now: now)
            tabletState.apply(op)
            tabletOps.append(op)
        }
        onTablet({ $0.step(.accepted, at: now) }, minutes: 5)
        onTablet({ $0.step(.departed, at: now) }, minutes: 10)
        onTablet({ $0.step(.arrived, at: now, position: Position(latitude: 52.5163, longitude: 13.3777, accuracyMetres: 8)) }, minutes: 35)
        onTablet({ $0.setting(Field.priority, to: "high") }, minutes: 2)
        onTablet({ _ in .note(Note(text: "Condenser fan seized; pressure builds within 4 min.", at: now)) }, minutes: 10)
        onTablet({ _ in .partAdded(PartLine(partNumber: "FAN-220-EC", quantity: Quantity(1), location: "van:E17")) }, minutes: 30)
        onTablet({ $0.setting(Field.resolution, to: "Replaced condenser fan; ran 30 min without a trip.") }, minutes: 40)
        onTablet({ $0.step(.completed, at: now) }, minutes: 1)
        out.append("2. Offline, the engineer accepts, departs, arrives, sets priority high, notes, uses a fan, completes.")

        now += 60_000
        let dispatcherEdit = central.make(centralState.tickets[id]!.setting(Field.priority, to: "urgent"), on: id, now: now)
        centralState.apply(dispatcherEdit)
        centralOps.append(dispatcherEdit)
        out.append("3. Meanwhile the dispatcher raises the priority to urgent at central.")

        centralState.apply(contentsOf: tabletOps)
        tabletState.apply(contentsOf: centralOps)
        let agree = centralState.digest == tabletState.digest
        out.append("4. Signal is back; the replicas exchange ops. Same state digest: \(agree ? "yes" : "NO")")
        out.append("   \(centralState.digest.hex.prefix(16))… on both")
        out.append("")
        out.append(TicketText.render(centralState.tickets[id]!))
        return out.joined(separator: "\n")
    }
}
