package main

import (
	"syscall"
	"time"
	"unsafe"
)

// clockThreadCPUTime is Linux's CLOCK_THREAD_CPUTIME_ID (syscall does
// not name it): the scheduler's exact run time of the thread, where
// getrusage counts in ticks of several milliseconds.
const clockThreadCPUTime = 3

// threadCPU returns the CPU time the calling OS thread has used, or false
// when the system cannot tell. The caller locks its goroutine to the
// thread.
func threadCPU() (time.Duration, bool) {
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTime, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		return 0, false
	}
	return time.Duration(ts.Nano()), true
}
