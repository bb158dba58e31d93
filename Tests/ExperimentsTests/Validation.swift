/// Prints one measured number of an analytic check, so that every test run (and CI log) shows
/// the values docs/validation.md quotes.
func validation(_ name: String, _ measured: String) {
    print("validation: \(name): \(measured)")
}
