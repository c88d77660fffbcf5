//go:build !linux

package main

import "time"

// threadCPU is unknown outside Linux.
func threadCPU() (time.Duration, bool) { return 0, false }
