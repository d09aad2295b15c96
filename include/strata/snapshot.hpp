// Weight and solver-state files, in Caffe's two formats:
//   binary  .caffemodel (NetParameter)       .solverstate (SolverState)
//   HDF5    .caffemodel.h5 (/data/<layer>/<i>) .solverstate.h5 (iter, learned_net,
//           current_step, /history/<i>; Strata's resume extras in strata_state)
// The kind of a file is read from its content, not its name. Every write goes
// through a temporary file, fsync and rename: a crash leaves the old file or
// the new one, never a torn one.
#pragma once

#include <string>

#include "net.pb.h"
#include "solver.pb.h"

namespace strata {

enum class FileKind { kWeights, kWeightsHdf5, kSolverState, kSolverStateHdf5, kUnknown };

// IoError when the file is missing or unreadable.
FileKind DetectFileKind(const std::string& path);

// Reads weights (either format) into `weights` (layer names and blobs).
// A solver state or anything else is an IoError that says what to do instead.
void ReadWeights(const std::string& path, NetParameter* weights);
void WriteWeights(const NetParameter& weights, const std::string& path, bool hdf5, bool write_diff);

void ReadSolverState(const std::string& path, SolverState* state);
void WriteSolverState(const SolverState& state, const std::string& path, bool hdf5);

}  // namespace strata
