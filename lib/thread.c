/* lib/thread.c - running a call on a stack of known size (see
 * esp_call_on_stack() in internal.h). The library's one use of threads;
 * a port to another system replaces this file. */
#include <pthread.h>

#include "internal.h"

typedef struct stack_call {
	int (*fn)(void *);
	void *arg;
	int rc;
} stack_call;

static void *run_call(void *p)
{
	stack_call *c = p;
	c->rc = c->fn(c->arg);
	return NULL;
}

int esp_call_on_stack(int (*fn)(void *), void *arg, size_t stack_size)
{
	stack_call c = { fn, arg, 0 };
	pthread_attr_t attr;
	pthread_t thread;
	if (pthread_attr_init(&attr) != 0)
		return fn(arg);
	bool started = pthread_attr_setstacksize(&attr, stack_size) == 0 &&
	               pthread_create(&thread, &attr, run_call, &c) == 0;
	pthread_attr_destroy(&attr);
	if (!started)
		return fn(arg);
	/* pthread_join is a cancellation point: a caller cancelled there
	 * would leave the thread running on c, on a stack being unwound. */
	int cancel;
	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel);
	pthread_join(thread, NULL);
	pthread_setcancelstate(cancel, NULL);
	return c.rc;
}
