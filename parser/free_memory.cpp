#include "parser/free_memory.h"

#include <malloc.h>

namespace migrasafe {

void release_free_memory() { malloc_trim(0); }

}  // namespace migrasafe
