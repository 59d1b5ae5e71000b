#pragma once
namespace director {
const char* version();
}
