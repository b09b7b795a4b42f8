//go:build !race

package mongosink

// raceEnabled is true under -race, where the in-process FerretDB runs several times slower and
// timings mean nothing.
const raceEnabled = false
