/// Free text as field engineers write it: notes of a few sentences, resolutions,
/// photo captions, pause reasons and signers' names, made from templates over a
/// vocabulary of a few hundred words with a seeded generator. The text must not be
/// easier to compress than the real thing (a dozen fixed sentences would be), or the
/// zstd'ed sizes of every format would flatter.
enum FieldText {
    /// A note of 80–300 characters of whole sentences.
    static func note(_ rng: inout SplitMix64) -> String {
        let target = rng.int(80...300)
        var text = ""
        var attempts = 0
        while text.utf8.count < target, attempts < 40 {
            attempts += 1
            let s = sentence(&rng)
            let joined = text.isEmpty ? s : text + " " + s
            if joined.utf8.count <= 300 { text = joined }
        }
        // Short sentences always fit, so this only guards a pathological seed.
        while text.utf8.count < 80 { text += text.isEmpty ? "Checked on site." : " Checked on site." }
        return text
    }

    /// What was done, as written to the `resolution` field.
    static func resolution(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...3) {
        case 0:
            "Replaced the \(rng.pick(components)) on \(rng.pick(units)) and tested for \(rng.int(10...60)) minutes, \(rng.pick(outcomes))."
        case 1:
            "\(rng.pick(actions)) the \(rng.pick(components)), \(rng.pick(remedies)); \(rng.pick(outcomes))."
        case 2:
            "Fault traced to the \(rng.pick(components)) (\(rng.pick(findings))). \(capitalised(rng.pick(remedies)))."
        default:
            "\(rng.pick(actions)) and \(rng.pick(actions).lowercased()) the \(rng.pick(components)), \(rng.pick(outcomes)). Advised \(rng.pick(people)) to \(rng.pick(advice))."
        }
    }

    static func caption(_ rng: inout SplitMix64, index: Int, of count: Int) -> String {
        if index == 0 { return rng.chance(0.5) ? "before" : "" }
        if index == count - 1 { return rng.chance(0.5) ? "after" : "" }
        switch rng.int(0...4) {
        case 0: return ""
        case 1: return "serial plate"
        case 2: return rng.pick(components)
        default: return "\(rng.pick(components)) \(rng.pick(findings))"
        }
    }

    static func pauseReason(_ rng: inout SplitMix64) -> String { rng.pick(pauseReasons) }

    static func signer(_ rng: inout SplitMix64) -> String { "\(rng.pick(firstNames)) \(rng.pick(lastNames))" }

    static func faultCode(_ rng: inout SplitMix64) -> String { "\(rng.pick(["E", "F", "H", "P", "U"]))\(rng.int(1...99))" }

    /// One sentence from the templates.
    static func sentence(_ rng: inout SplitMix64) -> String {
        switch rng.int(0...15) {
        case 0: "\(rng.pick(actions)) the \(rng.pick(components)) on \(rng.pick(units)), \(rng.pick(findings))."
        case 1: "Found the \(rng.pick(components)) \(rng.pick(findings)); \(rng.pick(remedies))."
        case 2: "\(capitalised(rng.pick(people))) reports \(rng.pick(symptoms)) \(rng.pick(whens))."
        case 3: "Pressure readings \(rng.pick(readings)) at \(rng.int(2...24)).\(rng.int(0...9)) bar after \(rng.pick(activities))."
        case 4: "Left \(rng.pick(units)) running for \(rng.int(10...45)) minutes, \(rng.pick(outcomes))."
        case 5: "Access via \(rng.pick(accesses)), key held by \(rng.pick(people))."
        case 6: "\(capitalised(rng.pick(components))) replaced from van stock and tested, \(rng.pick(outcomes))."
        case 7: "Waiting on \(rng.pick(people)) to approve the quote for a new \(rng.pick(components))."
        case 8:
            "Measured \(rng.int(2...480)) \(rng.pick(measures)) across the \(rng.pick(components)), \(rng.pick(["within", "outside", "just inside", "well outside"])) spec."
        case 9: "Advised \(rng.pick(people)) to \(rng.pick(advice))."
        case 10: "Error code \(faultCode(&rng)) logged \(rng.int(2...40)) times since \(rng.pick(days))."
        case 11: "Spoke with \(rng.pick(people)) on arrival, \(rng.pick(situations))."
        case 12: "\(rng.pick(actions)) the \(rng.pick(components)) and the \(rng.pick(components)), \(rng.pick(outcomes))."
        case 13: "Temperature at \(rng.pick(units)) was \(rng.int(-24...65)) degrees, \(rng.pick(["as expected", "too high", "too low", "drifting", "recovering slowly"]))."
        case 14: "\(capitalised(rng.pick(units))) \(rng.pick(symptoms)) \(rng.pick(whens)), \(rng.pick(remedies))."
        default: "Photos taken of the \(rng.pick(components)) \(rng.pick(["before work", "after work", "for the quote", "for the insurer"]))."
        }
    }

    static func capitalised(_ s: String) -> String { s.prefix(1).uppercased() + s.dropFirst() }

    // MARK: vocabulary

    static let actions = [
        "Checked", "Replaced", "Cleaned", "Tested", "Inspected", "Tightened", "Isolated", "Reset", "Recalibrated",
        "Flushed", "Re-gassed", "Adjusted", "Lubricated", "Refitted", "Measured", "Descaled", "Bled", "Rewired",
        "Resealed", "Cleared",
    ]
    static let components = [
        "condenser coil", "evaporator coil", "fan motor", "compressor", "main PCB", "door seal", "drain pump",
        "drain line", "pressure switch", "thermostat", "expansion valve", "contactor", "run capacitor", "fuse",
        "air filter", "heating element", "water inlet valve", "flow sensor", "temperature probe", "gas valve",
        "ignition electrode", "circulation pump", "wash arm", "rinse pump", "control board", "display panel",
        "door hinge", "isolator switch", "wiring loom", "terminal block", "relief valve", "solenoid valve",
        "defrost timer", "overload relay", "fan blade", "belt drive", "condensate tray", "flue sensor",
        "pressure gauge", "water softener", "door switch", "core probe", "steam generator", "heat exchanger",
    ]
    static let units = [
        "the outdoor unit", "the indoor cassette", "the walk-in freezer", "the combi oven", "the dishwasher",
        "the boiler", "the chiller", "the ice machine", "the display fridge", "the extraction fan", "the heat pump",
        "the booster pump", "the cold room", "the glass washer", "the fryer", "the air handling unit",
        "the roof unit", "the bottle cooler",
    ]
    static let findings = [
        "badly corroded", "worn", "loose", "blocked with debris", "leaking slightly", "burnt out",
        "within tolerance", "cracked", "tripping intermittently", "covered in grease", "seized",
        "noisy on start-up", "scorched at the terminals", "heavily scaled", "out of calibration", "damp inside",
        "missing two screws", "working normally",
    ]
    static let remedies = [
        "cleaned and refitted it", "replaced it from van stock", "ordered a replacement", "tightened all terminals",
        "cleared it and flushed the line", "quoted for a replacement", "fitted a temporary repair",
        "reset it and monitored", "re-routed the cable away from the heat", "applied sealant and retested",
        "adjusted the setting back to factory values", "logged it for the next planned service",
    ]
    static let people = [
        "the duty manager", "the head chef", "the site caretaker", "reception", "the facilities manager",
        "the customer", "the store manager", "the night porter", "the practice manager", "the bursar",
        "the kitchen porter", "security",
    ]
    static let symptoms = [
        "the unit icing up", "water pooling under the unit", "a burning smell", "the breaker tripping",
        "the temperature drifting above eight degrees", "a loud rattle at start-up", "no hot water upstairs",
        "the door not closing fully", "a high-pressure alarm", "the display going blank", "low water pressure",
        "the fan running constantly", "a smell of gas near the flue", "short cycling",
    ]
    static let whens = [
        "every afternoon", "since the weekend", "when the kitchen is busy", "first thing in the morning",
        "after the power cut on Monday", "intermittently", "since the last service", "only in hot weather",
        "twice this week", "overnight",
    ]
    static let readings = ["normal", "low", "high", "stable", "erratic", "slightly low", "back to normal"]
    static let activities = [
        "re-gassing", "cleaning the coil", "replacing the valve", "a full cycle", "bleeding the system",
        "twenty minutes of running", "topping up",
    ]
    static let outcomes = [
        "no further trips", "holding temperature", "fault did not return", "readings stable",
        "still slightly noisy", "all within limits", "customer happy with the result", "no leaks found",
        "running quietly now", "needs a follow-up visit",
    ]
    static let accesses = [
        "the rear yard", "the loading bay", "the roof hatch", "the plant room", "the basement stairs",
        "the service corridor", "the side gate", "the staff entrance",
    ]
    static let advice = [
        "keep the vents clear", "book a follow-up visit", "log any further trips", "run a descale cycle weekly",
        "replace the filters every quarter", "avoid overloading the unit", "call us if the alarm returns",
        "keep the door closed during service",
    ]
    static let measures = ["volts", "amps", "ohms", "kPa", "litres per minute", "microamps"]
    static let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "the weekend", "the last service"]
    static let situations = [
        "site was busy with deliveries", "unit already isolated by the customer", "no access to the roof yet",
        "fault was showing on arrival", "kitchen in full service", "alarm silenced by staff",
    ]
    static let pauseReasons = [
        "waiting for parts", "customer not available", "lunch", "collecting parts from the depot",
        "access to roof needed", "waiting for an isolation permit", "site closed for a fire drill",
    ]
    static let firstNames = [
        "Amelia", "Oliver", "Priya", "James", "Sofia", "Mohammed", "Grace", "Tomasz", "Chloe", "Daniel", "Aisha",
        "Liam", "Hannah", "Ravi", "Emily", "George", "Zara", "Peter", "Nadia", "Sam",
    ]
    static let lastNames = [
        "Smith", "Patel", "Jones", "Nowak", "Williams", "Khan", "Brown", "Taylor", "Davies", "Evans", "Wilson",
        "Thomas", "Roberts", "Walker", "Wright", "Okafor", "Hughes", "Green", "Hall", "Clarke",
    ]
    /// A van stock catalogue: part number and unit.
    static let catalogue: [(number: String, unit: String)] = [
        ("FM-2210", "pcs"), ("FM-2215", "pcs"), ("PCB-88A", "pcs"), ("PCB-91C", "pcs"), ("SEAL-DR-600", "pcs"),
        ("SEAL-DR-720", "pcs"), ("R410A", "kg"), ("R32", "kg"), ("R134A", "kg"), ("CABLE-2.5", "m"),
        ("CABLE-1.5", "m"), ("CABLE-6.0", "m"), ("FUSE-13A", "pcs"), ("FUSE-5A", "pcs"), ("FUSE-3A", "pcs"),
        ("DRAIN-PMP-3", "pcs"), ("DRAIN-HOSE-16", "m"), ("FILTER-G4", "pcs"), ("FILTER-F7", "pcs"),
        ("CAP-35UF", "pcs"), ("CAP-45UF", "pcs"), ("CONT-3P-25A", "pcs"), ("RELAY-OL-10", "pcs"),
        ("THERM-ST-40", "pcs"), ("PROBE-NTC-10K", "pcs"), ("VALVE-EXP-2T", "pcs"), ("VALVE-SOL-12", "pcs"),
        ("VALVE-REL-3B", "pcs"), ("PSW-HP-42", "pcs"), ("PSW-LP-07", "pcs"), ("ELEM-3KW", "pcs"),
        ("ELEM-6KW", "pcs"), ("IGN-EL-04", "pcs"), ("FLOW-SNS-20", "pcs"), ("PUMP-CIRC-60", "pcs"),
        ("WASHARM-UC", "pcs"), ("HINGE-D-R", "pcs"), ("ISO-SW-20A", "pcs"), ("TERM-BLK-12", "pcs"),
        ("BELT-A42", "pcs"), ("BLADE-FAN-300", "pcs"), ("TRAY-COND-S", "pcs"), ("GASKET-KIT-2", "pcs"),
        ("DESCALER-5L", "l"), ("GLYCOL-20", "l"), ("SEALANT-310", "pcs"), ("CLIPS-CABLE", "pcs"),
        ("SCREW-M6-SS", "pcs"), ("INSUL-TAPE", "m"), ("PIPE-CU-15", "m"),
    ]
}
