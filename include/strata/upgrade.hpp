// Upgrading deprecated Caffe net definitions:
//   - V1 `layers { type: INNER_PRODUCT blobs_lr: 1 ... }` become `layer { type:
//     "InnerProduct" param { lr_mult: 1 } ... }`;
//   - net-level `input:` with `input_shape` / `input_dim` becomes an Input layer.
// Nets and weight files are upgraded on load (with a warning); tools/upgrade_net
// writes the upgraded text.
#pragma once

#include <string>

#include "net.pb.h"

namespace strata {

// True when `param` uses a deprecated form.
bool NetNeedsUpgrade(const NetParameter& param);

// Upgrades in place; returns true when something changed. ConfigError for
// definitions that cannot be upgraded (both `layer` and `layers`, a V1 type
// Strata has no layer for, inconsistent input dimensions).
bool UpgradeNetParameter(NetParameter* param);

// The LayerParameter type string of a V1 layer type ("" for NONE).
std::string V1TypeName(V1LayerParameter::LayerType type);

}  // namespace strata
