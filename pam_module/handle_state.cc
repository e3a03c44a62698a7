#include "handle_state.h"

#include <memory>
#include <utility>

namespace latchkey::pam {
namespace {

// One name per config file, so two lines of a stack that name different
// files do not share Services.
std::string DataName(const std::string& config_path) {
  return "latchkey:services:" + config_path;
}

void FreeServices(pam_handle_t* /*pamh*/, void* data,
                  int error_status) noexcept {
  auto* services = static_cast<Services*>(data);
  // PAM_DATA_SILENT: pam_end in a child about to exec (util-linux su), whose
  // parent still holds the handle and the same socket. Closing normally
  // would end the parent's server session.
  if ((error_status & PAM_DATA_SILENT) != 0) services->db().Abandon();
  // ~Services closes the connection; it does not throw.
  delete services;
}

}  // namespace

Services* StoredServices(pam_handle_t* pamh, const std::string& config_path) {
  const std::string name = DataName(config_path);
  const void* stored = nullptr;
  if (pam_get_data(pamh, name.c_str(), &stored) == PAM_SUCCESS &&
      stored != nullptr) {
    return const_cast<Services*>(static_cast<const Services*>(stored));
  }
  return nullptr;
}

Result<Services*> ServicesFor(pam_handle_t* pamh,
                              const std::string& config_path,
                              const Config& config) {
  if (Services* stored = StoredServices(pamh, config_path)) return stored;
  const std::string name = DataName(config_path);
  LK_ASSIGN_OR_RETURN(std::unique_ptr<Services> services,
                      Services::Open(config));
  if (pam_set_data(pamh, name.c_str(), services.get(), &FreeServices) !=
      PAM_SUCCESS) {
    return Internal("pam_set_data failed");
  }
  return services.release();
}

}  // namespace latchkey::pam
