/* test-only regf writer: placeholder */
#ifndef REGF_WRITER_H
#define REGF_WRITER_H
#endif
