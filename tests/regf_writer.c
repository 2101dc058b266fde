/* test-only regf writer: placeholder */
#include "regf_writer.h"
typedef int regf_writer_placeholder;
