// Allreduce microbenchmark for the cost model in docs/distributed.md:
//   mpirun -np 2 build/benchmarks/allreduce_bench [--mca btl tcp,self before the program]
// For message sizes from 4 bytes to 64 MiB (floats, summed in place, as
// train's buckets are), prints the median seconds of one allreduce over
// repeated rounds, as "bytes seconds" lines that benchmarks/distributed.sh fits
// with T = a + b * bytes.
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <vector>

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  for (size_t count = 1; count <= (size_t{16} << 20); count *= 4) {
    std::vector<float> buffer(count, 1.f);
    // Enough rounds for about a tenth of a second, at least 5.
    const int rounds =
        static_cast<int>(std::max<size_t>(5, std::min<size_t>(2000, (4u << 20) / count)));
    std::vector<double> times;
    for (int round = -2; round < rounds; ++round) {
      MPI_Barrier(MPI_COMM_WORLD);
      const double start = MPI_Wtime();
      MPI_Request request;
      MPI_Iallreduce(MPI_IN_PLACE, buffer.data(), static_cast<int>(count), MPI_FLOAT, MPI_SUM,
                     MPI_COMM_WORLD, &request);
      MPI_Wait(&request, MPI_STATUS_IGNORE);
      double seconds = MPI_Wtime() - start;
      // The slowest rank's time is the allreduce's.
      MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
      if (round >= 0) times.push_back(seconds);
      std::fill(buffer.begin(), buffer.end(), 1.f);  // keeps the sums finite
    }
    std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
    if (rank == 0) std::printf("%zu %.9f\n", count * sizeof(float), times[times.size() / 2]);
  }
  MPI_Finalize();
  return 0;
}
