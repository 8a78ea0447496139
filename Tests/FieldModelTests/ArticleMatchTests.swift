import FieldModel
import Testing

/// Which tickets an article fits (M6): device model or fault code named, or a keyword in
/// the fault description; case and surrounding spaces do not matter, Chinese keywords
/// match as substrings.
@Suite struct ArticleMatchTests {
    let guide = ArticlePublished(
        version: 1, title: "t", body: "b", deviceModels: ["Chiller X2"], faultCodes: ["E21"], keywords: ["电容", "High Pressure", "  "])

    func facts(model: String = "", code: String = "", fault: String = "") -> TicketFacts {
        TicketFacts(deviceModel: model, faultCode: code, fault: fault)
    }

    @Test("a named model or code fits, whatever the case and surrounding spaces")
    func namedFields() {
        #expect(guide.fits(facts(model: "chiller x2")))
        #expect(guide.fits(facts(model: "  CHILLER X2\n")))
        #expect(guide.fits(facts(code: "e21")))
        #expect(!guide.fits(facts(model: "Chiller X20")))
        #expect(!guide.fits(facts(code: "E2")))
    }

    @Test("a keyword found in the fault fits: Chinese as a substring, English case-folded; an empty keyword or fault fits nothing")
    func keywords() {
        #expect(guide.fits(facts(fault: "冷凝风扇电容鼓包")))
        #expect(guide.fits(facts(fault: "trips on HIGH PRESSURE after 4 min")))
        #expect(!guide.fits(facts(fault: "风扇异响")))
        #expect(!guide.fits(facts(fault: "   ")))
        #expect(!guide.fits(facts()))
        let blank = ArticlePublished(version: 1, title: "t", body: "b", keywords: ["", " "])
        #expect(!blank.fits(facts(fault: "anything at all")))
    }
}
