#pragma once
// lvscare's --vs/--rs "IP:PORT" (IPv4, address in host byte order like director::ipvs): host/ipv4's
// endpoint under the names the care code uses.
#include "host/ipv4.hpp"

namespace director::care {

using host::Endpoint;
using host::format_endpoint;
using host::format_ipv4;
using host::parse_endpoint;  // port 1..65535 required
using host::parse_ipv4;

}  // namespace director::care
