// Umbrella header: the whole public API.
#pragma once

#include "bitnet/config.h"
#include "bitnet/device.h"
#include "bitnet/dtype.h"
#include "bitnet/error.h"
#include "bitnet/half.h"
#include "bitnet/linalg.h"
#include "bitnet/memory.h"
#include "bitnet/ops.h"
#include "bitnet/parallel.h"
#include "bitnet/shape.h"
#include "bitnet/storage.h"
#include "bitnet/tensor.h"
#include "bitnet/version.h"
