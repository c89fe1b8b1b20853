// modelwatch archive restore FILE [FILE...]: loads archive files of archive-predictions back into
// the store (maintenance/prediction_archive.h). Each file is verified first (manifest: SHA-256
// and row count; zstd checksum) and refused with the reason when damaged; rows whose id is stored
// already are skipped and counted. Files are restored newest part first within a day
// (RestoreOrder), so a row archived twice comes back in its latest state.
//
// One process owns a data directory: this command takes the exclusive flock on
// <data_dir>/modelwatch.lock that `serve` holds while it runs, and refuses when it cannot (a
// server or another command is using the directory). Exit 0 when every file was restored, 1 when
// a file failed (the others are still restored), 2 for bad configuration.
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/data_dir_lock.h"
#include "maintenance/prediction_archive.h"
#include "store/sqlite_store.h"

namespace mw::cli {
int RunArchiveRestore(const CommonOptions& options, const std::vector<std::string>& files) {
  auto config = LoadConfigOrReport(options);
  if (!config) return 2;
  const std::filesystem::path data_dir = config->storage.data_dir;
  auto lock = DataDirLock::Acquire(data_dir.string(), "");
  if (!lock) {
    std::cerr << "modelwatch: archive restore refused: " << lock.error().message()
              << "; stop the server first\n";
    return 1;
  }
  store::SqliteStoreOptions so;
  so.path = (data_dir / "modelwatch.db").string();
  so.synchronous_full = config->storage.sqlite_synchronous == "full";
  auto store = store::OpenSqliteStore(so);
  if (!store) {
    std::cerr << "modelwatch: cannot open store: " << store.error().message() << "\n";
    return 1;
  }
  std::vector<std::filesystem::path> paths(files.begin(), files.end());
  int failures = 0;
  int64_t restored = 0;
  int64_t present = 0;
  for (const std::filesystem::path& file : maintenance::RestoreOrder(paths)) {
    auto outcome = maintenance::RestoreArchive(**store, file);
    if (!outcome) {
      std::cerr << "restore error: " << outcome.error().message() << "\n";
      ++failures;
      continue;
    }
    restored += outcome->restored;
    present += outcome->present;
    std::cout << file.string() << ": restored " << outcome->restored << " rows, "
              << outcome->present << " already present\n";
  }
  (*store)->Close();
  std::cout << "restored " << restored << " rows, " << present << " already present";
  if (failures > 0) std::cout << "; " << failures << " file(s) failed";
  std::cout << "\n";
  return failures > 0 ? 1 : 0;
}

}  // namespace mw::cli
