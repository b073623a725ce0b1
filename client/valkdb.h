#pragma once

// Everything of valkdb's C++ client in one include.
#include "client/async_client.h"
#include "client/client.h"
#include "client/event_loop.h"
#include "client/future.h"
#include "client/options.h"
#include "client/pool.h"
#include "client/reply.h"
#include "client/request.h"
#include "client/subscriber.h"
