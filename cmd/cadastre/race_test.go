//go:build race

package main

// raceBuild: this test binary runs under the race detector, whose shadow
// memory and bookkeeping make a process's resident memory two to three
// times larger (TestIngestMemoryBounded's bound follows).
const raceBuild = true
