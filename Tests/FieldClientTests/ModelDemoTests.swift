import FieldClient
import Testing

@Suite struct ModelDemoTests {
    @Test func demoConvergesAndShowsThePriorityConflict() {
        let text = ModelDemo.run()
        #expect(text.contains("Same state digest: yes"))
        #expect(text.contains("priority: \"urgent\""))
        #expect(text.contains("\"high\""))
        #expect(text.contains("[completed]"))
        #expect(text.contains("FAN-220-EC"))
    }
}
