/* SPDX-License-Identifier: BSD-3-Clause */
#include "gma_reorder.h"
