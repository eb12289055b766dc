// Compiles against the generated protos so a build proves they are wired in; the SavedModel
// reader replaces this file.
#include "saved_model.pb.h"
#include "tensor_bundle.pb.h"
