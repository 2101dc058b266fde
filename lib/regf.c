/* lib/regf.c - placeholder until the reader lands. */
#include "readers.h"

int esp_regf_bid(const unsigned char *data, size_t size)
{
	(void)data;
	(void)size;
	return 0;
}

int esp_regf_open(espdiag_backend **out, esp_input *in, const espdiag_open_options *opts,
                  esp_err *err)
{
	(void)out;
	(void)opts;
	esp_input_release(in);
	return esp_err_set(err, ESPDIAG_EUNSUPPORTED, "reader not built yet");
}
