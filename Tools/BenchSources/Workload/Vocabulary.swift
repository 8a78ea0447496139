/// Plausible field-service text for generated tickets, so payload sizes and string
/// shapes look like real ones (names, addresses, notes of a few sentences).
enum Vocabulary {
    static let customers = [
        "Harbour Dental", "Greenway Foods", "Northgate Hotel", "St Anne's School", "Riverside Clinic",
        "Oakfield Dairy", "Brightwell Offices", "Marlow Leisure Centre", "Kestrel Logistics", "Elm Park Care Home",
    ]
    static let streets = ["High Street", "Station Road", "Mill Lane", "Church Road", "Victoria Avenue", "Park Road"]
    static let towns = ["Reading", "Slough", "Watford", "Guildford", "Luton", "Maidenhead", "Woking"]
    static let deviceModels = [
        "Carrier 42QHC", "Daikin FXSQ-A", "Hobart AM15", "Rational iCombi Pro", "Winterhalter UC-M",
        "Mitsubishi PUHZ-ZRP", "Foster EP700H",
    ]
    static let categories = ["hvac", "refrigeration", "catering", "boiler", "pumps"]
    static let faults = [
        "Unit not cooling", "Water leak under unit", "Error E5 on display", "Tripping the breaker",
        "Loud rattle at start-up", "Door seal damaged", "No hot water", "Intermittent fault, customer reports noise",
    ]
    static let faultCodes = ["E5", "E12", "P4", "U1", "H11", "F03"]
    static let faultParts = ["compressor", "fan motor", "PCB", "door seal", "pressure switch", "drain pump"]
    static let resolutions = [
        "Replaced fan motor, tested OK", "Cleared drain, re-gassed, tested over 30 min",
        "Replaced PCB and updated firmware", "Fitted new door seal", "Reset and monitored, no fault found",
    ]
    static let priorities = ["low", "normal", "normal", "normal", "high", "urgent"]
    static let appointments = ["2025-03-04 08:00", "2025-03-05 13:00", "2025-03-07 10:30", "2025-03-10 09:00"]
    static let pauseReasons = ["waiting for parts", "customer not available", "access to roof needed", "lunch"]
    static let captions = ["", "", "", "before", "after", "serial plate", "damage to casing"]
    static let parts: [(number: String, unit: String)] = [
        ("FM-2210", "pcs"), ("PCB-88A", "pcs"), ("SEAL-DR-600", "pcs"), ("R410A", "kg"), ("CABLE-2.5", "m"),
        ("FUSE-13A", "pcs"), ("DRAIN-PMP-3", "pcs"), ("FILTER-G4", "pcs"),
    ]
    static let sentences = [
        "Arrived on site and spoke with the duty manager.",
        "Isolated the unit and checked the supply, all within limits.",
        "Found heavy dust build-up on the condenser coil, cleaned it.",
        "Fan motor bearings are worn and noisy, replacement advised.",
        "Customer says the fault returns every afternoon when the kitchen is busy.",
        "Pressure readings normal after re-gassing.",
        "Drain line was blocked with debris, cleared and flushed.",
        "Error log shows repeated high-pressure trips over the last week.",
        "Left the unit running under observation for thirty minutes.",
        "Access via the rear yard, key held at reception.",
        "Replaced the fuse and tested the circuit.",
        "Quoted for a replacement PCB, awaiting approval from the customer.",
    ]
}
