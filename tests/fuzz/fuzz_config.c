/* Fuzz target: vouchd's configuration file, through the full loader. */
#include <stdint.h>
#include <stdlib.h>

#include "config/config.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct strbuf errs, out;
	struct config *cfg;

	strbuf_init(&errs, 1 << 20);
	cfg = config_load_text((const char *)data, size, "fuzz", &errs);
	if (cfg) {
		strbuf_init(&out, 1 << 20);
		config_print(cfg, &out);
		strbuf_free(&out);
		config_free(cfg);
	}
	strbuf_free(&errs);
	return 0;
}
