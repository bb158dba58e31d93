// The umbrella module: `import Criticality` brings the public API of every room, under names
// that cannot collide with another package's modules.
//
// - CriticalityLattice: periodic lattices, fields, FFTW transforms, counter-based noise, ensembles.
// - CriticalityFieldTheory: model A and Swift–Hohenberg, their steppers.
// - CriticalityDiffusion: noise schedules, denoisers (closed-form and patch machines), samplers.
// - CriticalityAnalysis: observables, correlation lengths, critical times, continuation, windows.
// - CriticalityExperiments: parameter files, experiment runs and their results folders.
@_exported import CriticalityAnalysis
@_exported import CriticalityDiffusion
@_exported import CriticalityExperiments
@_exported import CriticalityFieldTheory
@_exported import CriticalityLattice
