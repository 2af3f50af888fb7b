// What every client connection of this module sets up the same way: the TLS context (TLS 1.3,
// the client's certificate, the CA that checks the server's) and the parts of HOST:PORT.
// Used by the blocking Client (tls_client.cc) and the load generator (load_client.cc).
#pragma once

#include <string>

#include "base/status.h"
#include "server/client.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace server::internal {

// Configures `tls` (a tls_client context) from `options`. InvalidArgument naming the file that
// cannot be used.
base::Status ConfigureClientTls(const ClientOptions& options, boost::asio::ssl::context* tls);

// HOST and PORT of "HOST:PORT" (an IPv6 host may be bracketed). InvalidArgument otherwise.
base::Status SplitAddress(const std::string& address, std::string* host, std::string* port);

}  // namespace server::internal
