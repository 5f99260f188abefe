/** The HAProxy PROXY protocol, versions 1 and 2, for listeners behind a load balancer. */
package warden.smtp.proxy;
