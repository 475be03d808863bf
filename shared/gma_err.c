/* SPDX-License-Identifier: BSD-3-Clause */
#include "gma_err.h"

static const char *const gma_err_text[] = {
#define GMA_ERR_TEXT_(name, text) [GMA_ERR_##name] = text,
	GMA_ERRORS(GMA_ERR_TEXT_)
#undef GMA_ERR_TEXT_
};

static const char *const gma_err_name[] = {
#define GMA_ERR_NAME_(name, text) [GMA_ERR_##name] = #name,
	GMA_ERRORS(GMA_ERR_NAME_)
#undef GMA_ERR_NAME_
};

static unsigned gma_err_index(int err)
{
	unsigned e = (unsigned)(err < 0 ? -err : err);

	return e < GMA_ERR_MAX_ ? e : GMA_ERR_MAX_;
}

const char *gma_strerror(int err)
{
	unsigned e = gma_err_index(err);

	return e < GMA_ERR_MAX_ ? gma_err_text[e] : "unknown error";
}

const char *gma_errname(int err)
{
	unsigned e = gma_err_index(err);

	return e < GMA_ERR_MAX_ ? gma_err_name[e] : "UNKNOWN";
}
