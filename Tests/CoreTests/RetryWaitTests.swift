import Core
import Testing

/// `Retry-After` seconds in the words the client prints.
@Suite struct RetryWaitTests {
    @Test func secondsMinutesAndHours() {
        #expect(RetryWait.words(0) == "1 second")
        #expect(RetryWait.words(1) == "1 second")
        #expect(RetryWait.words(45) == "45 seconds")
        #expect(RetryWait.words(119) == "119 seconds")
        #expect(RetryWait.words(120) == "2 minutes")
        #expect(RetryWait.words(121) == "3 minutes")
        #expect(RetryWait.words(3600) == "1 hour")
        #expect(RetryWait.words(3900) == "1 hour 5 minutes")
        #expect(RetryWait.words(7200 + 60) == "2 hours 1 minute")
        #expect(RetryWait.advice(nil) == "try again in a few minutes")
        #expect(RetryWait.advice(30) == "try again in 30 seconds")
    }
}
