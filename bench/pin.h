/*
 * bench/pin.h - keeps a benchmark and the children it forks on one CPU.
 *
 * The vCPUs of a virtual machine need not run at the same speed: on the
 * test VM, iconv over the 100 MB dump took 0.10 s on one and 0.15 s on
 * the other, for minutes at a time. Two contenders the scheduler places on
 * different CPUs are then not compared fairly. Pinned to the CPU the
 * benchmark starts on, every child runs there too (affinity is inherited
 * through fork and exec).
 */
#ifndef BENCH_PIN_H
#define BENCH_PIN_H

#include <sched.h>

/* The CPU the calling process is now pinned to, or -1 when it could not
 * be pinned (then the benchmark runs as before, wherever it is put). */
static int pin_to_this_cpu(void)
{
#ifdef __linux__
	int cpu = sched_getcpu();
	cpu_set_t set;

	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof set, &set) == 0 ? cpu : -1;
#else
	return -1;
#endif
}

/* Says where the runs happen, for the report's header. */
static void print_pinning(int cpu)
{
	if (cpu >= 0)
		printf("  cpu       every run on cpu %d (pinned, so the contenders share it)\n", cpu);
	else
		printf("  cpu       not pinned (runs go wherever the scheduler puts them)\n");
}

#endif
