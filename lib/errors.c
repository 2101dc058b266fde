/*
 * lib/errors.c - the table of HRESULTs an ESP records (provider LastError,
 * MSI LastError) and what they mean there. Meanings Microsoft does not
 * document, only admins report, carry ESPDIAG_ERROR_COMMUNITY_ONLY so the
 * report can say so instead of stating them as fact.
 */
#include <espdiag/diagnose.h>

#define COMMUNITY ESPDIAG_ERROR_COMMUNITY_ONLY

/* Sorted by code: espdiag_error_describe() searches it by halves. */
static const espdiag_error_info errors[] = {
	{ 0x80004005u, "E_FAIL", "Unspecified failure.", 0 },
	{ 0x80070002u, "ERROR_FILE_NOT_FOUND",
	  "A file was not found: often the install command line names a file that is not in the "
	  "app package, or the content was not downloaded.", 0 },
	{ 0x80070005u, "E_ACCESSDENIED",
	  "Access is denied: the installer ran in a context (SYSTEM or user) that may not write "
	  "where it tried to.", 0 },
	{ 0x8007000du, "ERROR_INVALID_DATA", "The data is invalid.", 0 },
	{ 0x80070057u, "E_INVALIDARG", "An argument is invalid.", 0 },
	{ 0x80070490u, "ERROR_NOT_FOUND", "Element not found.", 0 },
	{ 0x800704c7u, "ERROR_CANCELLED", "The operation was cancelled by the user.", 0 },
	{ 0x800705b4u, "ERROR_TIMEOUT",
	  "The operation timed out: the ESP timeout (SyncFailureTimeout) expired, or, in "
	  "self-deploying and pre-provisioning mode, \"Securing your hardware\" (TPM "
	  "attestation) did not finish in time.", 0 },
	{ 0x80070641u, "ERROR_INSTALL_SERVICE_FAILURE",
	  "The Windows Installer service could not be accessed.", 0 },
	{ 0x80070642u, "ERROR_INSTALL_USEREXIT", "The installation was cancelled (MSI 1602).", 0 },
	{ 0x80070643u, "ERROR_INSTALL_FAILURE",
	  "Fatal error during installation (MSI 1603): read the installer's own log.", 0 },
	{ 0x80070652u, "ERROR_INSTALL_ALREADY_RUNNING",
	  "Another installation is already in progress (MSI 1618): Windows Installer runs one "
	  "install at a time, e.g. a LOB MSI app and a Win32 app at once.", 0 },
	{ 0x80070774u, "ERROR_DOMAIN_CONTROLLER_NOT_FOUND",
	  "The domain could not be contacted: in a hybrid Azure AD join, no domain controller "
	  "was reachable during the offline domain join, or the profile uses \"Assign user\", "
	  "which hybrid join does not support.", 0 },
	{ 0x80070bc2u, "ERROR_SUCCESS_REBOOT_REQUIRED",
	  "The installation succeeded and asks for a restart (MSI 3010).", 0 },
	{ 0x80070bc9u, "ERROR_FAIL_REBOOT_REQUIRED",
	  "The operation failed; a restart is required to roll back its changes (MSI 3017).", 0 },
	{ 0x80072ee2u, "ERROR_WINHTTP_TIMEOUT",
	  "A network request timed out: check the proxy and firewall for the Intune and "
	  "Autopilot endpoints.", 0 },
	{ 0x80072efdu, "ERROR_WINHTTP_CANNOT_CONNECT",
	  "The service could not be reached: check the network, proxy and firewall.", 0 },
	{ 0x80072f8fu, "ERROR_WINHTTP_SECURE_FAILURE",
	  "A secure connection failed: often the device clock is wrong or a proxy inspects TLS.",
	  COMMUNITY },
	{ 0x80073cf9u, "ERROR_INSTALL_FAILED",
	  "A packaged (Store/MSIX) app failed to install; frequently a Store app pending an "
	  "update of its framework or the Store being blocked.", COMMUNITY },
	{ 0x80180014u, "MENROLL_E_DEVICENOTSUPPORTED",
	  "MDM enrollment was refused: the device is blocked by an enrollment restriction, or "
	  "it was not removed from Intune before an Autopilot reset.", 0 },
	{ 0x80180018u, "MENROLL_E_USERLICENSE", "The user has no Intune license.", 0 },
	{ 0x8018002bu, NULL,
	  "The user's UPN suffix is not a verified, routable domain of the tenant.", 0 },
	{ 0x801c0003u, NULL,
	  "The user or device is not authorized to join Azure AD (the user may not join "
	  "devices, or hit the device limit), or in self-deploying mode the TPM is below the "
	  "minimum version (2.0) or its attestation failed.", 0 },
	{ 0x801c03f3u, NULL,
	  "The device object was not found in Azure AD: it was deleted while the Autopilot "
	  "registration remained. Delete and re-import the device's Autopilot record.", 0 },
	{ 0x81036502u, NULL,
	  "The ESP stopped on an app install failure (the Apps step of device or account "
	  "setup).", COMMUNITY },
	{ 0x87d1041cu, NULL,
	  "The app installed but was not detected afterwards: its detection rule does not "
	  "match what the installer left behind.", 0 },
	{ 0x87d1fde8u, NULL, "Remediation failed: the setting or app could not be applied.", 0 },
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
