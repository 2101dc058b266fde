/*
 * lib/errors.c - the table of error codes an ESP records (provider
 * LastError, MSI LastError, a tracked app's ErrorHresult, the IME's
 * ErrorCode and installers' exit codes) and what they mean there.
 * Knowledge as data: one row per code, its source in a comment. Meanings
 * Microsoft does not document, only admins report, carry
 * ESPDIAG_ERROR_COMMUNITY_ONLY so the report can say so instead of
 * stating them as fact.
 *
 * Sources named in the rows:
 *   winerror.h   the Windows SDK's winerror.h (the symbol and its text);
 *                Win32 codes appear as HRESULT_FROM_WIN32 (0x8007xxxx)
 *   msi          "MsiExec.exe and InstMsi.exe Error Messages", Windows
 *                Installer documentation (learn.microsoft.com/windows/win32/msi/error-codes)
 *   intune-apps  "Intune app installation error codes" (learn.microsoft.com/
 *                troubleshoot/mem/intune/app-management/app-install-error-codes)
 *   intune-win   Intune: "Troubleshoot Windows enrollment errors" and
 *                "Troubleshoot the Enrollment Status Page"
 *   ime-blog     the IME's error texts as admins report them (J. Basu Roy,
 *                "Intune Management Extension Deep Dive", anoopcnair.com)
 *   community    forums and blogs only
 */
#include "diagnose_private.h"

#define COMMUNITY ESPDIAG_ERROR_COMMUNITY_ONLY

/* Sorted by code: espdiag_error_describe() searches it by halves. */
static const espdiag_error_info errors[] = {
	/* winerror.h */
	{ 0x80004005u, "E_FAIL", "Unspecified failure.", 0 },
	/* winerror.h (2) */
	{ 0x80070002u, "ERROR_FILE_NOT_FOUND",
	  "A file was not found: often the install command line names a file that is not in the "
	  "app package, or the content was not downloaded.", 0 },
	/* winerror.h (5) */
	{ 0x80070005u, "E_ACCESSDENIED",
	  "Access is denied: the installer ran in a context (SYSTEM or user) that may not write "
	  "where it tried to.", 0 },
	/* winerror.h (13) */
	{ 0x8007000du, "ERROR_INVALID_DATA", "The data is invalid.", 0 },
	/* winerror.h (87) */
	{ 0x80070057u, "E_INVALIDARG", "An argument is invalid.", 0 },
	/* winerror.h (1168) */
	{ 0x80070490u, "ERROR_NOT_FOUND", "Element not found.", 0 },
	/* winerror.h (1223) */
	{ 0x800704c7u, "ERROR_CANCELLED", "The operation was cancelled by the user.", 0 },
	/* winerror.h (1460); intune-win: the ESP's timeout and "Securing your hardware" */
	{ 0x800705b4u, "ERROR_TIMEOUT",
	  "The operation timed out: the ESP timeout (SyncFailureTimeout) expired, or, in "
	  "self-deploying and pre-provisioning mode, \"Securing your hardware\" (TPM "
	  "attestation) did not finish in time.", 0 },
	/* winerror.h, msi (1601) */
	{ 0x80070641u, "ERROR_INSTALL_SERVICE_FAILURE",
	  "The Windows Installer service could not be accessed (MSI 1601).", 0 },
	/* winerror.h, msi (1602) */
	{ 0x80070642u, "ERROR_INSTALL_USEREXIT", "The installation was cancelled (MSI 1602).", 0 },
	/* winerror.h, msi (1603) */
	{ 0x80070643u, "ERROR_INSTALL_FAILURE",
	  "Fatal error during installation (MSI 1603): read the installer's own log.", 0 },
	/* winerror.h, msi (1605) */
	{ 0x80070645u, "ERROR_UNKNOWN_PRODUCT",
	  "The action is only valid for products that are installed (MSI 1605): e.g. an "
	  "uninstall or repair of a product code that is not on the device.", 0 },
	/* winerror.h, msi (1612) */
	{ 0x8007064cu, "ERROR_INSTALL_SOURCE_ABSENT",
	  "The installation source for this product is not available (MSI 1612).", 0 },
	/* winerror.h, msi (1618) */
	{ 0x80070652u, "ERROR_INSTALL_ALREADY_RUNNING",
	  "Another installation is already in progress (MSI 1618): Windows Installer runs one "
	  "install at a time, e.g. a LOB MSI app and a Win32 app at once.", 0 },
	/* winerror.h, msi (1619) */
	{ 0x80070653u, "ERROR_INSTALL_PACKAGE_OPEN_FAILED",
	  "The installation package could not be opened (MSI 1619): it does not exist at the "
	  "path the command line gives, or is not readable.", 0 },
	/* winerror.h, msi (1620) */
	{ 0x80070654u, "ERROR_INSTALL_PACKAGE_INVALID",
	  "The installation package could not be opened (MSI 1620): it is not a valid Windows "
	  "Installer package.", 0 },
	/* winerror.h, msi (1625) */
	{ 0x80070659u, "ERROR_INSTALL_PACKAGE_REJECTED",
	  "The installation is forbidden by system policy (MSI 1625).", 0 },
	/* winerror.h, msi (1638) */
	{ 0x80070666u, "ERROR_PRODUCT_VERSION",
	  "Another version of this product is already installed (MSI 1638): uninstall it, or "
	  "let the package upgrade it.", 0 },
	/* winerror.h, msi (1641) */
	{ 0x80070669u, "ERROR_SUCCESS_REBOOT_INITIATED",
	  "The installer succeeded and started a restart (MSI 1641).", 0 },
	/* winerror.h (1908); intune-win: hybrid join */
	{ 0x80070774u, "ERROR_DOMAIN_CONTROLLER_NOT_FOUND",
	  "The domain could not be contacted: in a hybrid Azure AD join, no domain controller "
	  "was reachable during the offline domain join, or the profile uses \"Assign user\", "
	  "which hybrid join does not support.", 0 },
	/* winerror.h, msi (3010) */
	{ 0x80070bc2u, "ERROR_SUCCESS_REBOOT_REQUIRED",
	  "The installation succeeded and asks for a restart (MSI 3010).", 0 },
	/* winerror.h, msi (3017) */
	{ 0x80070bc9u, "ERROR_FAIL_REBOOT_REQUIRED",
	  "The operation failed; a restart is required to roll back its changes (MSI 3017).", 0 },
	/* winerror.h (WinHTTP 12002) */
	{ 0x80072ee2u, "ERROR_WINHTTP_TIMEOUT",
	  "A network request timed out: check the proxy and firewall for the Intune and "
	  "Autopilot endpoints.", 0 },
	/* winerror.h (WinHTTP 12029) */
	{ 0x80072efdu, "ERROR_WINHTTP_CANNOT_CONNECT",
	  "The service could not be reached: check the network, proxy and firewall.", 0 },
	/* winerror.h (WinHTTP 12175); the causes: community */
	{ 0x80072f8fu, "ERROR_WINHTTP_SECURE_FAILURE",
	  "A secure connection failed: often the device clock is wrong or a proxy inspects TLS.",
	  COMMUNITY },
	/* winerror.h (15603) */
	{ 0x80073cf3u, "ERROR_INSTALL_RESOLVE_DEPENDENCY_FAILED",
	  "A packaged (Store/MSIX) app failed its update, dependency or conflict validation: "
	  "a framework it needs is missing, or a newer version is installed.", 0 },
	/* winerror.h (15609); the causes: community */
	{ 0x80073cf9u, "ERROR_INSTALL_FAILED",
	  "A packaged (Store/MSIX) app failed to install; frequently a Store app pending an "
	  "update of its framework or the Store being blocked.", COMMUNITY },
	/* winerror.h (MENROLL_E_*); intune-win */
	{ 0x80180014u, "MENROLL_E_DEVICENOTSUPPORTED",
	  "MDM enrollment was refused: the device is blocked by an enrollment restriction, or "
	  "it was not removed from Intune before an Autopilot reset.", 0 },
	{ 0x80180018u, "MENROLL_E_USERLICENSE", "The user has no Intune license.", 0 },
	/* intune-win */
	{ 0x8018002bu, NULL,
	  "The user's UPN suffix is not a verified, routable domain of the tenant.", 0 },
	/* intune-win */
	{ 0x801c0003u, NULL,
	  "The user or device is not authorized to join Azure AD (the user may not join "
	  "devices, or hit the device limit), or in self-deploying mode the TPM is below the "
	  "minimum version (2.0) or its attestation failed.", 0 },
	/* intune-win */
	{ 0x801c03f3u, NULL,
	  "The device object was not found in Azure AD: it was deleted while the Autopilot "
	  "registration remained. Delete and re-import the device's Autopilot record.", 0 },
	/* community */
	{ 0x81036502u, NULL,
	  "The ESP stopped on an app install failure (the Apps step of device or account "
	  "setup).", COMMUNITY },
	/* intune-apps */
	{ 0x87d1041cu, NULL,
	  "The app installed but was not detected afterwards: its detection rule does not "
	  "match what the installer left behind.", 0 },
	/* intune-apps */
	{ 0x87d1fde8u, NULL, "Remediation failed: the setting or app could not be applied.", 0 },
	/* ime-blog */
	{ 0x87d30065u, NULL,
	  "The IME could not get the app's content: retrieving its content information or "
	  "unzipping the downloaded package failed.", COMMUNITY },
	/* ime-blog */
	{ 0x87d30067u, NULL, "The IME could not download the app's content.", COMMUNITY },
	/* ime-blog */
	{ 0x87d300c9u, NULL,
	  "The installer was still running when the IME stopped waiting for it: it ran past "
	  "the app's maximum installation time.", COMMUNITY },
};

int espdiag_error_describe(const espdiag_error_info **out, uint32_t code)
{
	if (out == NULL)
		return ESPDIAG_EINVAL;
	size_t lo = 0, hi = sizeof errors / sizeof errors[0];
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (errors[mid].code == code) {
			*out = &errors[mid];
			return ESPDIAG_OK;
		}
		if (errors[mid].code < code)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = NULL;
	return ESPDIAG_NOTFOUND;
}

bool diag_exit_code_hresult(int64_t exit_code, uint32_t *out)
{
	/* HRESULT_FROM_WIN32 (winerror.h): a Win32 error number in the low 16
	 * bits, FACILITY_WIN32 (7) and the failure bit. */
	if (exit_code >= 1 && exit_code <= 0xffff)
		*out = 0x80070000u | (uint32_t)exit_code;
	else if (exit_code >= INT32_MIN && exit_code < 0)
		*out = (uint32_t)(int32_t)exit_code;
	else if (exit_code >= 0x80000000LL && exit_code <= 0xffffffffLL)
		*out = (uint32_t)exit_code;
	else
		return false;
	return true;
}

int espdiag_error_describe_exit_code(const espdiag_error_info **out, int64_t exit_code)
{
	uint32_t code;
	if (out == NULL)
		return ESPDIAG_EINVAL;
	*out = NULL;
	if (!diag_exit_code_hresult(exit_code, &code))
		return ESPDIAG_NOTFOUND;
	return espdiag_error_describe(out, code);
}
