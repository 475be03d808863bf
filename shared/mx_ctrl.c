/* SPDX-License-Identifier: BSD-3-Clause */
#include "mx_ctrl.h"
